"""Background delivery: a bounded queue and a worker thread per slow observer."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Literal, final

__all__ = ["OverflowPolicy", "Worker"]

OverflowPolicy = Literal["block", "drop_oldest", "drop_newest"]

Handler = Callable[[Any], object]


@final
class Worker:
    """Runs one observer's handlers on its own thread, in submission order.

    ``submit`` never takes a lock: a ``deque`` append is atomic, and the worker is only woken
    through the ``threading.Event`` when it has said it is idle. When the queue holds
    ``maxsize`` items the overflow policy decides: ``"block"`` (the default: the publisher waits
    for room, nothing is lost), ``"drop_oldest"`` or ``"drop_newest"`` (counted in ``dropped``).
    """

    __slots__ = (
        "_busy",
        "_idle",
        "_queue",
        "_running",
        "_thread",
        "_wake",
        "dropped",
        "maxsize",
        "name",
        "on_error",
        "policy",
    )

    def __init__(
        self,
        name: str,
        maxsize: int,
        policy: OverflowPolicy,
        on_error: Callable[[Handler, Any, Exception], None],
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"queue_size must be at least 1, got {maxsize!r}")
        self.name = name
        self.maxsize = maxsize
        self.policy = policy
        self.on_error = on_error
        self.dropped = 0
        self._queue: deque[tuple[Handler, Any]] = deque()
        self._wake = threading.Event()
        self._idle = False
        self._busy = False
        self._running = True
        self._thread = threading.Thread(
            target=self._run, name=f"panther-events:{name}", daemon=True
        )
        self._thread.start()

    def submit(self, handler: Handler, event: Any) -> None:
        """Queue ``handler(event)``; applies the overflow policy when the queue is full."""
        queue = self._queue
        if len(queue) >= self.maxsize:
            if self.policy == "block":
                while len(queue) >= self.maxsize and self._running:
                    time.sleep(0.0005)
            elif self.policy == "drop_newest":
                self.dropped += 1
                return
            else:
                try:
                    queue.popleft()
                    self.dropped += 1
                except IndexError:
                    pass
        queue.append((handler, event))
        if self._idle:
            self._wake.set()

    def _run(self) -> None:
        queue = self._queue
        while True:
            self._busy = True  # set before popping, so pending() never misses an item in hand
            try:
                handler, event = queue.popleft()
            except IndexError:
                self._busy = False
                if not self._running:
                    return
                self._idle = True
                self._wake.clear()
                if not queue:  # re-check after clearing: a submit may have raced the clear
                    self._wake.wait(0.1)
                self._idle = False
                continue
            try:
                handler(event)
            except Exception as exc:
                self.on_error(handler, event, exc)
            finally:
                self._busy = False

    def pending(self) -> int:
        """Return how many events are queued or being handled."""
        return len(self._queue) + (1 if self._busy else 0)

    def wait_idle(self, deadline: float | None) -> bool:
        """Block until every queued event is handled or ``deadline`` (monotonic) passes."""
        while self.pending():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            if self._idle:
                self._wake.set()
            time.sleep(0.001)
        return True

    def stop(self, timeout: float | None) -> None:
        """Finish the queued events, then end the thread."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self.wait_idle(deadline)
        self._running = False
        self._wake.set()
        self._thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
