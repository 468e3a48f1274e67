"""A file descriptor the relay opened, used only while its number still names that file."""

from __future__ import annotations

import os

__all__ = ["OwnedFd"]


def _identity(fd: int) -> tuple[int, int]:
    status = os.fstat(fd)
    return status.st_dev, status.st_ino


class OwnedFd:
    """A descriptor number and the file (pipe, temporary file) it was opened on.

    The tests run in the same process and may close any descriptor (``os.closerange(3, ...)``,
    ``os.dup2`` over it) and open files that take the freed number. Before each use the relay
    asks :meth:`ours`; a descriptor that is no longer its own is never read, written or closed
    again (one ``fstat``, a fraction of a microsecond).

    Args:
        fd: the descriptor, just opened by the relay.
    """

    __slots__ = ("_identity", "fd")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._identity: tuple[int, int] | None = _identity(fd)

    def ours(self) -> bool:
        """Whether ``fd`` still names the file it was opened on (False once closed here)."""
        if self._identity is None:
            return False
        try:
            return _identity(self.fd) == self._identity
        except OSError:  # closed
            return False

    def close(self) -> None:
        """Close the descriptor if it is still ours; never use it again (idempotent)."""
        if self.ours():
            os.close(self.fd)
        self._identity = None
