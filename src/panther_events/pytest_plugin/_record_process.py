"""The recording process: reads the relay's messages from its stdin and records them.

The pytest process starts it (:mod:`._relay`) and writes messages to its stdin (see
:func:`messages`): first
``(run_id, db, nats_url, began)``, then one message per hook (:mod:`._facts`), last
``("finish", exitstatus)``. When its stdin ends without that last message (the pytest process
was killed), what arrived is still recorded and the run ends as failed. It then closes the
store (and NATS) and writes one JSON line to its stdout: ``{"problem": ..., "nats_note": ...}``.

The pipe is private to the two processes, so ``pickle`` (the fastest way to carry the facts)
reads only what this package's relay wrote.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from ._facts import FINISH
from ._recorder import Recorder

__all__ = ["main", "messages"]

_READ_SIZE: Final = 1 << 16
_GATHER: Final = 0.01


def messages(fd: int) -> Iterator[tuple[Any, ...]]:
    """The messages arriving on ``fd``, each a length (4 bytes, little-endian) then its
    pickle, until the stream ends.

    After each read that ends on a message's end it pauses ``_GATHER`` seconds, so that the
    relay's next messages gather in the pipe: a write that wakes this process costs the pytest
    process ten times a write that does not, and the pause makes that at most one write in
    ``_GATHER`` seconds. Within a message larger than the pipe (a fixture's big events) it
    reads on at once: the relay is waiting to write the rest.

    Raises:
        ValueError: the stream ends within a message.
        pickle.UnpicklingError: a message is not a pickle.
    """
    buffer = bytearray()
    while chunk := os.read(fd, _READ_SIZE):
        buffer += chunk
        start = 0
        while len(buffer) - start >= 4:
            end = start + 4 + int.from_bytes(buffer[start : start + 4], "little")
            if end > len(buffer):
                break
            yield pickle.loads(buffer[start + 4 : end])
            start = end
        del buffer[:start]
        if not buffer:
            time.sleep(_GATHER)
    if buffer:
        raise ValueError(f"the stream ended within a message ({len(buffer)} bytes)")


def main() -> int:
    """Record one session from stdin; return the exit status (0 unless the relay sent
    something unreadable)."""
    # Ctrl-C in the terminal interrupts pytest, which ends its session and says so; this
    # process must live on to record that end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    result, sys.stdout = sys.stdout, sys.stderr  # stdout carries the result line only
    stream = messages(sys.stdin.fileno())
    try:
        run_id, db, nats_url, began = next(stream)
    except StopIteration:  # the pytest process ended before it could say anything
        return 0
    recorder = Recorder(str(run_id), Path(db), nats_url, float(began))
    status = 0
    try:
        for message in stream:
            recorder.handle(message)
            if message[0] == FINISH:
                break
        else:
            recorder.ended_early()
    except Exception as exc:  # a message cut short, or not the relay's
        recorder.handle(("stopped", f"unreadable message: {type(exc).__name__}: {exc}"))
        recorder.ended_early()
        status = 1
    recorder.close()
    result.write(json.dumps({"problem": recorder.problem, "nats_note": recorder.nats_note}))
    result.write("\n")
    result.flush()
    return status


if __name__ == "__main__":  # pragma: no cover - the relay starts it with -c
    sys.exit(main())
