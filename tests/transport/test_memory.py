"""Properties of the in-memory twin, checked over many random histories (Hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from panther_events.transport import InMemoryStream, InMemoryTransport

from ._events import step_event

# An operation: publish event i of run r, or fetch n and then ack or nak what came.
_publish = st.tuples(st.just("publish"), st.sampled_from(["a", "b"]), st.integers(0, 15))
_fetch = st.tuples(st.sampled_from(["ack", "nak"]), st.integers(1, 6))


class TestInMemoryTransportProperties:
    """Whatever the interleaving, every published (run, id) is delivered, none is lost."""

    @settings(max_examples=100, deadline=None)
    @given(ops=st.lists(st.one_of(_publish, _fetch), max_size=80))
    def test_every_published_pair_is_acknowledged_once_drained(
        self, ops: list[tuple[str, str, int] | tuple[str, int]]
    ) -> None:
        """After draining with acks, the acked pairs are exactly the distinct published ones."""
        stream = InMemoryStream(ack_wait=60.0)
        transport = InMemoryTransport(stream)
        published: set[tuple[str, str]] = set()
        acked: list[tuple[str, str]] = []
        for op in ops:
            if len(op) == 3:
                _, run, i = op
                event = step_event(i)
                transport.publish(event, run_id=run)
                published.add((run, event.id))
            else:
                action, n = op
                batch = transport.fetch(n, timeout=0)
                if action == "ack":
                    transport.ack(batch)
                    acked.extend((d.run_id, d.event.id) for d in batch)
                else:
                    transport.nak(batch)
        while batch := transport.fetch(10, timeout=0):
            transport.ack(batch)
            acked.extend((d.run_id, d.event.id) for d in batch)
        assert sorted(acked) == sorted(published)
        assert len(stream) == len(published)
