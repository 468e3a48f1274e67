"""Background delivery: a bounded queue and a worker thread per slow observer."""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar, Literal, final, get_args

__all__ = ["OverflowPolicy", "Worker", "finish_live_workers"]

logger = logging.getLogger("panther_events.manager")

OverflowPolicy = Literal["block", "drop_oldest", "drop_newest"]
_POLICIES: tuple[str, ...] = get_args(OverflowPolicy)

Handler = Callable[[Any], object]


@final
class Worker:
    """Runs one observer's handlers on its own thread, in submission order.

    ``submit`` never takes a lock: a ``deque`` append is atomic, and the worker is only woken
    through the ``threading.Event`` when it has said it is idle. When the queue holds
    ``maxsize`` items the overflow policy decides: ``"block"`` (the default: the publisher waits
    for room, nothing is lost), ``"drop_oldest"`` or ``"drop_newest"`` (counted in ``dropped``).

    A worker thread never waits for room, in its own queue or another's: its own would never
    empty, and two workers feeding each other would wait for each other. Items submitted from a
    worker thread are appended past the bound instead (under ``"block"``; the drop policies
    still drop). Every item submitted is either handled or counted in ``dropped`` by a drop
    policy. An item submitted after the thread ended (a publish that took its route before the
    observer was unregistered) is handled by the submitting thread, one item at a time, as a
    foreground observer would be.
    """

    __slots__ = (
        "_abandoned",
        "_busy",
        "_exited",
        "_handled",
        "_idle",
        "_late",
        "_queue",
        "_running",
        "_thread",
        "_unbounded",
        "_wake",
        "dropped",
        "maxsize",
        "name",
        "on_error",
        "policy",
    )

    #: Idents of every live worker thread (of any manager): they never wait for room.
    worker_idents: ClassVar[set[int]] = set()
    #: Every worker whose thread has not ended (of any manager), for the exit hook.
    live: ClassVar[set[Worker]] = set()

    def __init__(
        self,
        name: str,
        maxsize: int,
        policy: OverflowPolicy,
        on_error: Callable[[Handler, Any, Exception], None],
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"queue_size must be at least 1, got {maxsize!r}")
        if policy not in _POLICIES:
            raise ValueError(
                f"overflow must be one of {', '.join(map(repr, _POLICIES))}, got {policy!r}"
            )
        self.name = name
        self.maxsize = maxsize
        self.policy = policy
        self.on_error = on_error
        self.dropped = 0
        self._handled = 0  # written by one thread at a time (the worker, then under _late)
        self._queue: deque[tuple[Handler, Any]] = deque()
        self._wake = threading.Event()
        self._idle = False
        self._busy = False
        self._running = True
        self._exited = False
        self._abandoned = False  # stop() gave up: what is still queued is dropped
        self._unbounded = False  # closing: publishers under way no longer wait for room
        self._late = threading.Lock()  # one thread at a time handles items after the end
        self._thread = threading.Thread(
            target=self._run, name=f"panther-events:{name}", daemon=True
        )
        Worker.live.add(self)
        self._thread.start()

    def submit(self, handler: Handler, event: Any) -> None:
        """Queue ``handler(event)``; applies the overflow policy when the queue is full."""
        queue = self._queue
        if len(queue) >= self.maxsize:
            if self.policy == "block":
                if threading.get_ident() not in Worker.worker_idents:
                    while len(queue) >= self.maxsize and not (self._exited or self._unbounded):
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
        if self._exited:
            # The thread has ended (or is in its last drain): what it will not take is
            # handled here, never left behind in a dead queue.
            with self._late:
                self._drain()
        elif self._idle:
            self._wake.set()

    def _run(self) -> None:
        Worker.worker_idents.add(threading.get_ident())
        try:
            self._loop()
        finally:
            # _exited before the last drain: a submit that appends after that drain sees it
            # and handles its item itself; one that appends before is handled here.
            self._exited = True
            with self._late:
                self._drain()
            Worker.worker_idents.discard(threading.get_ident())
            Worker.live.discard(self)

    def _loop(self) -> None:
        queue = self._queue
        while not self._abandoned:
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
            self._call(handler, event)

    def _drain(self) -> None:
        while True:
            try:
                handler, event = self._queue.popleft()
            except IndexError:
                return
            if self._abandoned:
                self.dropped += 1
            else:
                self._call(handler, event)

    def _call(self, handler: Handler, event: Any) -> None:
        try:
            handler(event)
        except Exception as exc:
            self.on_error(handler, event, exc)
        finally:
            self._handled += 1
            self._busy = False

    def pending(self) -> int:
        """Return how many events are queued or being handled."""
        return len(self._queue) + (1 if self._busy else 0)

    def mark(self) -> int:
        """Return the count ``handled`` will reach once everything queued now is handled."""
        return self._handled + self.pending()

    def wait_handled(self, mark: int, deadline: float | None) -> bool:
        """Block until the items queued when ``mark()`` was taken are handled (or dropped),
        or ``deadline`` (monotonic) passes. Items queued later are not waited for.

        Called from the worker's own thread (its observer flushing the manager), it returns
        True at once: those items wait for the one being handled, which waits for this call.
        """
        if threading.get_ident() == self._thread.ident:
            return True
        while self._handled < mark and self.pending() and not self._exited:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            if self._idle:
                self._wake.set()
            time.sleep(0.001)
        return True

    def unbound(self) -> None:
        """Let submitters append past the bound from now on (the manager is closing: the
        publishes under way are few, and one of them may be waiting for room in the queue of
        the very observer that is closing the manager)."""
        self._unbounded = True

    def stop(self, timeout: float | None) -> bool:
        """Finish the queued events, then end the thread; False if ``timeout`` passed first.

        When it gives up, the item in hand is finished but the rest of the queue is dropped
        (counted in ``dropped``): the observer is about to be closed, and must not be handed
        events after its ``close()``.

        Called from the worker's own thread (an observer closing its manager), it only asks
        the thread to end after the current item: joining itself would never return.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        self._running = False
        self._wake.set()
        if threading.get_ident() == self._thread.ident:
            return True
        self._thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():
            self._abandoned = True
            return False
        return True


@atexit.register
def finish_live_workers(stall: float = 10.0) -> None:
    """At interpreter exit: let every background observer of a manager that was never closed
    handle its queue, so what ``publish`` accepted is not lost with the daemon threads.

    Gives up, logging what is lost, only once no worker has handled an item for ``stall``
    seconds (all together: observers stuck for good must not hold the exit for long). The
    store's exit hook calls it first, so queued events reach a store before it closes.
    """
    workers = list(Worker.live)
    for worker in workers:
        worker._running = False
        worker._wake.set()
    handled, progressed = -1, time.monotonic()
    while alive := [w for w in workers if w._thread.is_alive()]:
        now_handled = sum(w._handled for w in workers)
        if now_handled != handled:
            handled, progressed = now_handled, time.monotonic()
        elif time.monotonic() - progressed >= stall:
            for worker in alive:
                logger.error(
                    "at exit: observer %s handled nothing for %.0fs; its %d queued events are "
                    "lost (close the EventManager before exiting)",
                    worker.name,
                    stall,
                    worker.pending(),
                )
                worker._abandoned = True
                Worker.live.discard(worker)
            return
        alive[0]._thread.join(0.01)
