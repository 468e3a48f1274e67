"""Checks of the files a command will write, made before it starts, so it fails in one line."""

from __future__ import annotations

from pathlib import Path

__all__ = ["unwritable_reason"]


def unwritable_reason(path: Path) -> str | None:
    """Why a file cannot be written at ``path``, or None when it can.

    The check is a real attempt, not permission bits (which say nothing to root, or on a
    read-only mount): an existing file is opened for appending, which leaves it unchanged; a
    missing one is created and removed again.
    """
    if path.is_dir():
        return "it is a directory; give a file path"
    parent = path.parent
    if not parent.exists():
        return f"the directory {str(parent)!r} does not exist; create it first"
    if not parent.is_dir():
        return f"{str(parent)!r} is not a directory"
    existed = path.exists()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    if not existed:
        path.resolve().unlink()  # the file just created (a dangling link's target: not the link)
    return None
