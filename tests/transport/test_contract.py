"""The contract every transport passes: in-memory and JetStream alike."""

from __future__ import annotations

import pytest

from panther_events.exceptions import TransportError
from panther_events.transport import Transport, host_run_id
from panther_events.transport.base import check_run_id, subject_for

from ._events import fetch_until, step_event
from .conftest import TransportFactory


class TestTransportContract:
    """Publish, fetch, acknowledge: the shared semantics of every transport."""

    def test_is_a_transport(self, make_transport: TransportFactory) -> None:
        """Every implementation satisfies the runtime-checkable Transport protocol."""
        assert isinstance(make_transport(), Transport)

    def test_events_arrive_intact_with_their_run(self, make_transport: TransportFactory) -> None:
        """Fetched events keep id, type, timestamp and data, and carry the publishing run id."""
        pub, sub = make_transport(), make_transport()
        sent = [step_event(i) for i in range(20)]
        for event in sent:
            pub.publish(event, run_id="host-a.1")
        assert pub.flush(30)
        got = fetch_until(sub, 20)
        assert [d.event.id for d in got] == [e.id for e in sent]
        assert [d.event.to_dict() for d in got] == [e.to_dict() for e in sent]
        assert {d.run_id for d in got} == {"host-a.1"}
        assert not any(d.redelivered for d in got)

    def test_republished_event_is_delivered_once(self, make_transport: TransportFactory) -> None:
        """Publishing the same event of a run twice stores it once."""
        pub, sub = make_transport(), make_transport()
        for _ in range(3):
            pub.publish(step_event(1), run_id="run-1")
        pub.publish(step_event(2), run_id="run-1")
        assert pub.flush(30)
        got = fetch_until(sub, 2)
        assert sorted(d.event.id for d in got) == sorted([step_event(1).id, step_event(2).id])
        assert sub.fetch(10, timeout=0.5) == []

    def test_same_event_in_two_runs_arrives_twice(self, make_transport: TransportFactory) -> None:
        """Deduplication is per run: identical content from two hosts is not dropped."""
        pub, sub = make_transport(), make_transport()
        pub.publish(step_event(7), run_id="host-a")
        pub.publish(step_event(7), run_id="host-b")
        assert pub.flush(30)
        got = fetch_until(sub, 2)
        assert sorted(d.run_id for d in got) == ["host-a", "host-b"]

    def test_acknowledged_position_survives_a_new_consumer(
        self, make_transport: TransportFactory
    ) -> None:
        """A consumer re-created with the same name resumes after what was acknowledged."""
        pub = make_transport()
        for i in range(10):
            pub.publish(step_event(i), run_id="r")
        assert pub.flush(30)
        first = make_transport("durable")
        assert len(fetch_until(first, 6)) == 6
        first.close()
        second = make_transport("durable")
        rest = fetch_until(second, 4)
        # Exactly the unacknowledged ones; a consumer that stopped early may have prefetched
        # some, and redeliveries need not keep the original order.
        assert sorted(d.event.id for d in rest) == sorted(step_event(i).id for i in range(6, 10))
        assert second.fetch(10, timeout=0.5) == []

    def test_nak_redelivers(self, make_transport: TransportFactory) -> None:
        """A refused delivery comes back with a higher delivery count."""
        pub, sub = make_transport(), make_transport()
        pub.publish(step_event(1), run_id="r")
        assert pub.flush(30)
        (first,) = fetch_until(sub, 1, ack=False)
        sub.nak([first])
        (again,) = fetch_until(sub, 1)
        assert again.event.id == first.event.id
        assert again.redelivered and again.delivery_count == 2

    def test_unacknowledged_delivery_returns_to_the_next_consumer(
        self, make_transport: TransportFactory
    ) -> None:
        """A consumer that stops without acking (a crash) loses nothing: it is redelivered."""
        pub = make_transport()
        pub.publish(step_event(1), run_id="r")
        assert pub.flush(30)
        crashed = make_transport("durable")
        assert len(fetch_until(crashed, 1, ack=False)) == 1
        crashed.close()
        resumed = make_transport("durable")
        (again,) = fetch_until(resumed, 1)
        assert again.event.id == step_event(1).id and again.redelivered

    def test_consumers_with_different_names_each_see_everything(
        self, make_transport: TransportFactory
    ) -> None:
        """Two durable consumers keep independent positions."""
        pub = make_transport()
        for i in range(5):
            pub.publish(step_event(i), run_id="r")
        assert pub.flush(30)
        a, b = make_transport("a"), make_transport("b")
        assert len(fetch_until(a, 5)) == len(fetch_until(b, 5)) == 5

    def test_dead_lettered_delivery_is_never_handed_out_again(
        self, make_transport: TransportFactory
    ) -> None:
        """A delivery moved aside with ``dead_letter`` is acknowledged: a new consumer of the
        same name gets only what was not settled."""
        pub, sub = make_transport(), make_transport(consumer="dl")
        for i in range(3):
            pub.publish(step_event(i), run_id="r")
        assert pub.flush(30)
        first, second, third = fetch_until(sub, 3, ack=False)
        sub.dead_letter([(first, "ValueError: cannot be stored")])
        sub.ack([second])
        sub.close()
        again = make_transport(consumer="dl")
        assert [d.event.id for d in fetch_until(again, 1, deadline=5.0)] == [third.event.id]

    def test_fetch_on_an_empty_stream_returns_nothing(
        self, make_transport: TransportFactory
    ) -> None:
        """Fetch waits about its timeout and returns an empty list."""
        assert make_transport().fetch(5, timeout=0.2) == []

    def test_publish_after_close_raises(self, make_transport: TransportFactory) -> None:
        """A closed transport refuses events with TransportError naming the run."""
        transport = make_transport()
        transport.close()
        with pytest.raises(TransportError, match="run-9"):
            transport.publish(step_event(1), run_id="run-9")


class TestRunIds:
    """Run ids: distinct across processes, safe in subjects and headers."""

    def test_host_run_ids_are_distinct_and_name_the_host(self) -> None:
        """Generated ids end with host and pid and never repeat."""
        import os

        ids = {host_run_id() for _ in range(1000)}
        assert len(ids) == 1000
        assert all(run_id.endswith(f"-{os.getpid()}") for run_id in ids)

    def test_subject_tokens_are_sanitised(self) -> None:
        """Dots and wildcards in a run id cannot change the subject's shape."""
        assert subject_for("a.b*c", "test.execution_started") == (
            "panther.events.a_b_c.test.execution_started"
        )

    def test_run_id_with_whitespace_is_refused(self) -> None:
        """A run id that cannot travel in a header is refused with ValueError naming it."""
        with pytest.raises(ValueError, match="'bad id'"):
            check_run_id("bad id")
