"""The fast path adapter: reading messages straight from the protocol, and its checks."""

from __future__ import annotations

import pytest

from panther_events.transport._fastpath import _parse


@pytest.mark.parametrize(
    ("headers", "status", "msg_id"),
    [
        (None, None, None),
        (b"NATS/1.0\r\nNats-Msg-Id: run-1:abc\r\n\r\n", None, "run-1:abc"),
        (b"NATS/1.0\r\nX-Other: 1\r\nnats-msg-id:  r:e \r\n\r\n", None, "r:e"),
        (b"NATS/1.0 404 No Messages\r\n\r\n", "404", None),
        (b"NATS/1.0 503\r\n\r\n", "503", None),
        (b"NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Stream: 5\r\n\r\n", "100", None),
    ],
)
def test_status_and_message_id_are_read_from_raw_headers(
    headers: bytes | None, status: str | None, msg_id: str | None
) -> None:
    """What the transport needs of a message, as nats-py's own parser would give it."""
    raw = _parse(b"panther.events.r.test.created", b"$JS.ACK.S.C.1.2.3.4.0", b"{}", headers)
    assert (raw.status, raw.msg_id) == (status, msg_id)
    assert (raw.subject, raw.reply, raw.data) == (
        "panther.events.r.test.created",
        "$JS.ACK.S.C.1.2.3.4.0",
        b"{}",
    )


@pytest.mark.parametrize(
    ("reply", "count"),
    [
        ("$JS.ACK.STREAM.collector.3.10.7.1700000000000000000.0", 3),
        ("$JS.ACK.hub.ACCHASH.STREAM.collector.2.10.7.1700000000000000000.0.rand", 2),
    ],
)
def test_delivery_count_is_read_from_either_ack_subject_form(reply: str, count: int) -> None:
    """The short and the domain/account-hash forms of JetStream ack subjects."""
    from panther_events.transport._jetstream import _delivery_count

    assert _delivery_count(reply) == count


def test_a_reply_that_is_no_ack_subject_is_refused() -> None:
    """A message not delivered by JetStream cannot be counted: the caller drops it."""
    from panther_events.transport._jetstream import _delivery_count

    with pytest.raises(ValueError, match="ack subject"):
        _delivery_count("_INBOX.abc")


def test_bad_utf8_in_headers_is_read_not_raised() -> None:
    """A header value that is not UTF-8 is decoded with replacement, as nats-py does."""
    raw = _parse(b"s", b"", b"{}", b"NATS/1.0\r\nNats-Msg-Id: run:\xff\xfe\r\n\r\n")
    assert raw.msg_id == "run:\ufffd\ufffd"


def test_a_failing_handler_does_not_stop_the_client_reading() -> None:
    """Routed messages are handled inside nats-py's reading task: a handler that raises is
    logged and the next message is still handled (an escaping error would end the task)."""
    import asyncio

    from nats.aio.client import Client
    from nats.aio.subscription import Subscription

    from panther_events.transport._fastpath import route
    from panther_events.transport._wire import Raw

    client = Client()
    subscription = Subscription(client, 7, "inbox")
    seen: list[bytes] = []

    def handler(raw: Raw) -> None:
        if raw.data == b"boom":
            raise RuntimeError("a bug in the handler")
        seen.append(raw.data)

    route(client, subscription, handler)

    async def deliver() -> None:
        await client._process_msg(7, b"inbox", b"", b"boom", None)
        await client._process_msg(7, b"inbox", b"", b"fine", None)

    asyncio.run(deliver())
    assert seen == [b"fine"]
