"""The publisher's waiting room: a bounded in-memory queue that spills to a spool file.

Producers (any thread) ``put`` serialised messages and never wait for the network; the
sender (one thread) ``take``\\ s them in FIFO order and ``requeue``\\ s the ones whose
publish failed. The policy, in order:

1. up to ``max_items`` messages wait in memory;
2. beyond that, and for as long as the spool file still holds unsent messages (so that
   order is kept), new messages are appended to the spool file, up to ``max_spool_bytes``;
3. when the spool is full too, the new message is **dropped** and counted in ``dropped``
   (dropping the newest keeps what was already accepted; a publisher that must never drop
   gives a larger spool).

The spool file is a buffer for outages, not a crash journal: it is not fsync'ed. At
``close`` anything still unsent is written to the spool file so a later publisher given the
same ``spool_path`` sends it. Spool files are created readable by their owner only (0600):
they hold the events' full content.

A spool left by a process killed mid-write may end in a cut-short record, and a file edited
by hand may hold lines that are no records, or records no server would take (see
:func:`check_item`). Such damaged records are skipped, counted in
``damaged`` and logged once (with the file and the count) when the file is opened; every
intact record is still sent.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, Final, final

__all__ = ["Item", "Outbox", "check_item", "check_message_id", "read_spool"]

logger = logging.getLogger(__name__)

#: ``(dedup message id, subject, run id, JSON payload)``.
Item = tuple[str, str, str, bytes]

_REFILL: Final = 1000  # spool records read back into memory at a time


def _encode(item: Item) -> bytes:
    msg_id, subject, run_id, payload = item
    line = json.dumps([msg_id, subject, run_id, payload.decode()], ensure_ascii=False)
    return line.encode() + b"\n"


#: Characters no header value may hold (they would end it or forge another header).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: A subject one can publish to: dot-separated tokens, none empty, none a wildcard.
_SUBJECT = re.compile(r"(?![*>]\.|[*>]$)[^\s.]+(?:\.(?![*>]\.|[*>]$)[^\s.]+)*")


def check_message_id(msg_id: str) -> None:
    """Refuse a ``Nats-Msg-Id`` that would end its header line or forge another header.

    Raises:
        ValueError: ``msg_id`` holds control characters (CR, LF...).
    """
    if _CONTROL.search(msg_id):
        raise ValueError(
            f"message id {msg_id!r} holds control characters, which cannot travel in a "
            "header; give the event an id without them"
        )


def check_item(item: Item) -> None:
    """Refuse a message no NATS server would take, which would otherwise be retried forever.

    Raises:
        ValueError: its ``Nats-Msg-Id`` holds control characters, its subject is empty, holds
            whitespace or a wildcard token, or a field is not valid Unicode text.
    """
    msg_id, subject, run_id, _ = item
    check_message_id(msg_id)
    if _SUBJECT.fullmatch(subject) is None:
        raise ValueError(f"{subject!r} is no subject to publish to")
    for text in (msg_id, subject, run_id):
        text.encode()  # UnicodeEncodeError (a ValueError) for a lone surrogate


def _decode(line: bytes) -> Item | None:
    """The record on ``line``, or None when the line is no intact record that can be sent."""
    try:
        msg_id, subject, run_id, payload = json.loads(line)
        if not all(isinstance(part, str) for part in (msg_id, subject, run_id, payload)):
            return None
        item = (msg_id, subject, run_id, payload.encode())
        check_item(item)
    except (ValueError, TypeError):  # not JSON, cut short, not four fields, or unsendable
        return None
    return item


def _open_private(path: Path, flags: int) -> BinaryIO:
    """Open ``path`` for binary writing, creating it readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, flags | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode otherwise
        return os.fdopen(fd, "r+b" if flags & os.O_RDWR else "wb")
    except BaseException:
        os.close(fd)
        raise


def read_spool(path: Path) -> tuple[int, int]:
    """Return ``(intact records, damaged records)`` of the spool file at ``path``."""
    intact = damaged = 0
    with path.open("rb") as f:
        for line in f:
            if _decode(line) is None:
                damaged += 1
            else:
                intact += 1
    return intact, damaged


@final
class Outbox:
    """A thread-safe FIFO of outgoing messages, bounded in memory, spilling to a file.

    Args:
        max_items: messages kept in memory before spilling.
        spool_path: the spool file; existing content is sent first.
        max_spool_bytes: size bound of the spool file; 0 disables spilling.
    """

    def __init__(self, max_items: int, spool_path: Path, max_spool_bytes: int) -> None:
        self.max_items = max_items
        self.spool_path = spool_path
        self.max_spool_bytes = max_spool_bytes
        self.accepted = 0
        self.spooled = 0
        self.dropped = 0
        self.damaged = 0
        self._lock = threading.Lock()
        self._retry: deque[Item] = deque()
        self._memory: deque[Item] = deque()
        self._file: BinaryIO | None = None
        self._read = 0  # offset of the first unsent spool record
        self._size = 0  # end of the spool file
        self._records = 0  # unsent records in the spool file
        self._armed = False
        self._on_empty: threading.Event = threading.Event()
        self._on_empty.set()
        if spool_path.exists() and spool_path.stat().st_size > 0:
            f = self._open()
            # A record cut short by a crash is ended here, so that it stays one damaged
            # line instead of swallowing the first record appended after it.
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")
                self._size += 1
            self._records, self.damaged = read_spool(spool_path)
            if self.damaged:
                logger.warning(
                    "spool %s: skipping %d damaged records (cut short or not records); "
                    "sending the %d intact ones",
                    spool_path,
                    self.damaged,
                    self._records,
                )
            if self._records:
                self._on_empty.clear()

    def _open(self) -> BinaryIO:
        if self._file is None:
            self._file = _open_private(self.spool_path, os.O_RDWR | os.O_APPEND)
            self._size = self._file.seek(0, os.SEEK_END)
        return self._file

    def __len__(self) -> int:
        """Messages waiting: requeued, in memory and in the spool file."""
        with self._lock:
            return len(self._retry) + len(self._memory) + self._records

    @property
    def spool_records(self) -> int:
        """Unsent messages currently in the spool file."""
        return self._records

    def put(self, item: Item) -> bool:
        """Queue ``item``; returns True when the sender is idle and must be woken.

        Never blocks on the network; writes to the spool file only when memory is full.
        """
        with self._lock:
            self.accepted += 1
            if self._records == 0 and len(self._memory) < self.max_items:
                self._memory.append(item)
            else:
                line = _encode(item)
                if self._size + len(line) > self.max_spool_bytes:
                    self.dropped += 1
                    return False
                f = self._open()
                f.write(line)
                self._size += len(line)
                self._records += 1
                self.spooled += 1
            if self._on_empty.is_set():  # set and cleared only under _lock: no race
                self._on_empty.clear()
            wake, self._armed = self._armed, False
            return wake

    def take(self, limit: int) -> list[Item]:
        """Remove and return up to ``limit`` messages, oldest first (requeued ones first).

        When it returns nothing, the next ``put`` reports that the sender must be woken.
        """
        with self._lock:
            out: list[Item] = []
            while self._retry and len(out) < limit:
                out.append(self._retry.popleft())
            if not self._memory and self._records:
                self._refill()
            while self._memory and len(out) < limit:
                out.append(self._memory.popleft())
            if not out:
                self._armed = True
            return out

    def _refill(self) -> None:
        """Move up to ``_REFILL`` spool records back into memory; caller holds the lock."""
        f = self._open()
        f.flush()
        f.seek(self._read)
        wanted = min(_REFILL, self._records)
        while wanted:
            line = f.readline()
            if not line:
                break
            item = _decode(line)
            if item is None:
                continue  # damaged: counted and logged when the file was opened
            self._memory.append(item)
            self._records -= 1
            wanted -= 1
        self._read = f.tell()
        if self._records == 0:
            # Everything spooled has been read back: start the file afresh.
            f.truncate(0)
            self._read = self._size = 0

    def requeue(self, items: Iterable[Item]) -> None:
        """Put messages whose publish failed back at the front, to be sent next."""
        with self._lock:
            self._retry.extendleft(reversed(list(items)))
            self._on_empty.clear()

    def mark_empty_if_idle(self, in_flight: int) -> None:
        """Signal ``wait_empty`` waiters when nothing is queued and nothing is in flight."""
        with self._lock:
            if in_flight == 0 and not self._retry and not self._memory and not self._records:
                self._on_empty.set()

    def wait_empty(self, timeout: float | None) -> bool:
        """Wait until ``mark_empty_if_idle`` saw everything sent and acknowledged."""
        return self._on_empty.wait(timeout)

    def close(self, unsent: Iterable[Item] = ()) -> int:
        """Write ``unsent`` and everything still queued to the spool file, in order.

        Returns:
            how many messages the spool file now holds (0 removes the file).
        """
        with self._lock:
            head = [*unsent, *self._retry, *self._memory]
            self._retry.clear()
            self._memory.clear()
            tail: list[bytes] = []
            if self._records:
                f = self._open()
                f.flush()
                f.seek(self._read)
                tail = [line for line in f if _decode(line) is not None]  # damaged ones go
            if self._file is not None:
                self._file.close()
                self._file = None
            total = len(head) + self._records
            if total == 0:
                self.spool_path.unlink(missing_ok=True)
                return 0
            with _open_private(self.spool_path, os.O_WRONLY | os.O_TRUNC) as f:
                f.writelines(_encode(item) for item in head)
                f.writelines(tail)
            self._records = total
            self._read = 0
            return total
