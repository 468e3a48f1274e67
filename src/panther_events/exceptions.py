"""Every exception panther-events raises, under one base class.

The hierarchy::

    PantherEventsError
    ├── EventValidationError (ValueError)      an event failed validate() or was built wrongly
    ├── PatternError (ValueError)              a subscription pattern is malformed
    ├── InvalidTransitionError (ValueError)    a state machine refused a move
    ├── RecursionLimitError (RuntimeError)     observers re-published too deeply
    ├── ManagerClosedError (RuntimeError)      publish after EventManager.close()
    ├── StoreError                             an event store failed
    │   ├── RunNotFoundError (LookupError)     no run matches an id or prefix
    │   └── CorruptStoreError                  the database file is unreadable
    ├── TransportError                         a transport could not send or receive
    ├── ExperimentFileError (ValueError)       an experiment file is invalid (file, line, key)
    └── MissingExtraError (ImportError)        an optional dependency is not installed

Subclasses also derive from the matching builtin, so ``except ValueError`` still catches a
malformed pattern.
"""

from __future__ import annotations

__all__ = [
    "CorruptStoreError",
    "EventValidationError",
    "ExperimentFileError",
    "InvalidTransitionError",
    "ManagerClosedError",
    "MissingExtraError",
    "PantherEventsError",
    "PatternError",
    "RecursionLimitError",
    "RunNotFoundError",
    "StoreError",
    "TransportError",
]


class PantherEventsError(Exception):
    """Base class of every error raised by panther-events."""


class EventValidationError(PantherEventsError, ValueError):
    """An event is malformed: ``validate()`` failed or a constructor argument is wrong."""


class PatternError(PantherEventsError, ValueError):
    """A subscription pattern cannot be parsed."""


class InvalidTransitionError(PantherEventsError, ValueError):
    """A state machine was asked for a move its transition table forbids.

    Attributes:
        entity_id: the entity whose machine refused.
        current: the state it is in.
        target: the state that was asked for.
        allowed: the states it may move to from ``current``.
    """

    def __init__(self, entity_id: str, current: object, target: object, allowed: list[str]):
        self.entity_id = entity_id
        self.current = current
        self.target = target
        self.allowed = allowed
        cur = getattr(current, "value", current)
        tgt = getattr(target, "value", target)
        super().__init__(
            f"{entity_id!r} cannot go from {cur!r} to {tgt!r}; allowed from {cur!r}: {allowed}"
        )


class RecursionLimitError(PantherEventsError, RuntimeError):
    """Observers published from inside callbacks more deeply than the manager allows."""


class ManagerClosedError(PantherEventsError, RuntimeError):
    """An event was published to an EventManager after ``close()``."""


class StoreError(PantherEventsError):
    """An event store operation failed; the backend's exception is chained."""


class RunNotFoundError(StoreError, LookupError):
    """No stored run matches the given id, prefix or ``latest``."""


class CorruptStoreError(StoreError):
    """The store's file exists but is not a readable panther-events database."""


class TransportError(PantherEventsError):
    """A transport could not deliver or receive events."""


class ExperimentFileError(PantherEventsError, ValueError):
    """An experiment file cannot be run; one line per problem: file, line, key, what was expected.

    Attributes:
        path: the experiment file.
        problems: ``(line or None, dotted key, message)`` for every problem found.
    """

    def __init__(self, path: str, problems: list[tuple[int | None, str, str]]):
        self.path = path
        self.problems = problems
        lines = [
            f"{path}{f':{line}' if line is not None else ''}: {f'{key}: ' if key else ''}{message}"
            for line, key, message in problems
        ]
        super().__init__("\n".join(lines))


class MissingExtraError(PantherEventsError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, feature: str, package: str, extra: str):
        super().__init__(f"{feature} needs {package}: pip install 'panther-events[{extra}]'")
