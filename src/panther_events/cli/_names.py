"""How the CLI names a run's entities: short names, and what ``--entity`` selects."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

from ..store.base import StoredEvent

__all__ = ["entity_matcher", "is_full_id", "short_entity"]

_GLOB_CHARS = "*?["

# Segments of runner entity ids that only say the kind (``<run>/<test>/service/<name>``).
_KIND_SEGMENTS = frozenset({"service", "step", "assertion", "plugin"})


def _within_run(entity_id: str, run_id: str) -> str:
    """The entity id without its run's id in front (the runner's ids start ``<run>/``)."""
    prefix = run_id + "/"
    return entity_id[len(prefix) :] if entity_id.startswith(prefix) else entity_id


def short_entity(entity_id: str, run_id: str) -> str:
    """The name that tells an entity apart within its run.

    ``<run>/tcp-echo/service/echo`` is ``tcp-echo/echo``, ``<run>/tcp-echo`` is ``tcp-echo``,
    ``<run>/step/tcp_send`` (a plugin) is ``tcp_send``; ids not made by the runner stay whole.
    """
    parts = _within_run(entity_id, run_id).split("/")
    return "/".join([p for p in parts[:-1] if p not in _KIND_SEGMENTS] + parts[-1:])


def _entity_names(stored: StoredEvent) -> tuple[str, ...]:
    short = short_entity(stored.entity_id, stored.run_id)
    return (
        stored.entity_id,
        _within_run(stored.entity_id, stored.run_id),
        short,
        short.rsplit("/", 1)[-1],
    )


def entity_matcher(wanted: str) -> Callable[[StoredEvent], bool]:
    """What ``--entity`` selects: the full id, the id within the run, the short name or its
    last part (``echo``), or a glob (``tcp-echo/*``, ``*echo*``) over any of these."""
    if any(char in wanted for char in _GLOB_CHARS):
        # A name as shown wins over the glob it looks like: ``test_p.py::test_it[ok]``.
        return lambda stored: any(
            name == wanted or fnmatch.fnmatchcase(name, wanted) for name in _entity_names(stored)
        )
    return lambda stored: wanted in _entity_names(stored)


def is_full_id(wanted: str, run_id: str) -> bool:
    """Whether ``--entity wanted`` is a whole runner id of run ``run_id`` (no glob)."""
    return not any(char in wanted for char in _GLOB_CHARS) and (
        wanted == run_id or wanted.startswith(run_id + "/")
    )
