"""The publisher's bounded queue: memory first, then the spool file, then counted drops."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from panther_events.transport._outbox import Item, Outbox


def item(i: int) -> Item:
    """Message number ``i``."""
    return (f"run:{i}", f"panther.events.run.t.{i}", "run", f'{{"i":{i}}}'.encode())


def drain(outbox: Outbox) -> list[Item]:
    """Take everything, in the order the sender would."""
    out: list[Item] = []
    while batch := outbox.take(7):
        out.extend(batch)
    return out


class TestOutbox:
    """Ordering, spilling and the drop policy of ``Outbox``."""

    def test_fifo_across_memory_and_spool(self, tmp_path: Path) -> None:
        """Messages leave in the order they came, whether they waited in memory or on disk."""
        outbox = Outbox(3, tmp_path / "spool.jsonl", 1 << 20)
        for i in range(20):
            outbox.put(item(i))
        assert outbox.spooled == 17
        assert drain(outbox) == [item(i) for i in range(20)]
        assert len(outbox) == 0
        assert outbox.close() == 0

    def test_full_spool_drops_the_newest_and_counts(self, tmp_path: Path) -> None:
        """Past both bounds new messages are dropped and counted; accepted ones are kept."""
        outbox = Outbox(2, tmp_path / "spool.jsonl", 200)
        for i in range(10):
            outbox.put(item(i))
        kept = drain(outbox)
        assert outbox.dropped == 10 - len(kept) > 0
        assert kept == [item(i) for i in range(len(kept))]
        outbox.close()

    def test_requeued_messages_go_first(self, tmp_path: Path) -> None:
        """A message whose publish failed is sent again before newer ones."""
        outbox = Outbox(10, tmp_path / "spool.jsonl", 1 << 20)
        for i in range(3):
            outbox.put(item(i))
        first = outbox.take(2)
        outbox.requeue(first)
        assert drain(outbox) == [item(0), item(1), item(2)]
        outbox.close()

    def test_close_keeps_unsent_messages_for_the_next_publisher(self, tmp_path: Path) -> None:
        """Closing with messages left writes them to the spool; a new outbox sends them first."""
        spool = tmp_path / "spool.jsonl"
        outbox = Outbox(2, spool, 1 << 20)
        for i in range(5):
            outbox.put(item(i))
        in_flight = outbox.take(1)
        assert outbox.close(in_flight) == 5
        again = Outbox(2, spool, 1 << 20)
        again.put(item(5))
        assert drain(again) == [item(i) for i in range(6)]
        assert again.close() == 0
        assert not spool.exists()

    def test_put_reports_when_the_sender_must_be_woken(self, tmp_path: Path) -> None:
        """Only the first put after an empty take asks for a wake-up."""
        outbox = Outbox(10, tmp_path / "spool.jsonl", 1 << 20)
        assert outbox.take(5) == []
        assert outbox.put(item(0)) is True
        assert outbox.put(item(1)) is False
        outbox.close()

    @settings(max_examples=50, deadline=None)
    @given(
        memory=st.integers(1, 5),
        ops=st.lists(st.one_of(st.just("put"), st.integers(1, 4)), max_size=60),
    )
    def test_nothing_is_lost_or_reordered(self, memory: int, ops: list[object]) -> None:
        """Any interleaving of puts and takes yields exactly the put messages, in order."""
        with tempfile.TemporaryDirectory() as tmp:
            outbox = Outbox(memory, Path(tmp) / "spool.jsonl", 1 << 20)
            put, taken = 0, []
            for op in ops:
                if op == "put":
                    outbox.put(item(put))
                    put += 1
                else:
                    assert isinstance(op, int)
                    taken.extend(outbox.take(op))
            taken.extend(drain(outbox))
            assert taken == [item(i) for i in range(put)]
            outbox.close()
