"""The observer guide's event classes, published as the API reference's canonical types.

The guide (written before the reference fixed the names) publishes ``TestCaseStartedEvent``,
``TestCaseFinishedEvent``, ``TestCaseErrorEvent``, ``ExperimentStartedEvent`` and
``ExperimentFinishedEvent``. Each is a ``BaseEvent`` of the canonical type the guide's name
stands for (see the alias table in ``_aliases``), carrying the guide's fields as data, so
observers of either vocabulary receive them and the store reads them back as the canonical class.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .events.base import BaseEvent, EventType
from .events.experiment import (
    ExperimentEvent,
    ExperimentEventType,
    ExperimentExecutionStartedEvent,
)
from .events.test import (
    TestEvent,
    TestEventType,
    TestExecutionFailedEvent,
    TestSetupStartedEvent,
)

__all__ = [
    "ExperimentFinishedEvent",
    "ExperimentStartedEvent",
    "TestCaseErrorEvent",
    "TestCaseFinishedEvent",
    "TestCaseStartedEvent",
]


class TestCaseStartedEvent(TestSetupStartedEvent):
    """The guide's ``test_case.started``; published as ``test.setup_started``.

    The entity id is ``test_id`` when given, else ``test_name``.
    """

    __slots__ = ()

    def __init__(
        self,
        test_name: str,
        timestamp: datetime | None = None,
        configuration: dict[str, Any] | None = None,
        *,
        test_id: str | None = None,
    ) -> None:
        TestEvent.__init__(
            self,
            TestEventType.SETUP_STARTED,
            test_id or test_name,
            {"test_name": test_name, "configuration": configuration},
        )
        if timestamp is not None:
            self.timestamp = timestamp


class TestCaseFinishedEvent(TestEvent):
    """The guide's ``test_case.finished``: ``test.completed`` when ``success``, else
    ``test.failed``."""

    __slots__ = ()

    def __init__(
        self,
        test_name: str,
        timestamp: datetime | None = None,
        success: bool = True,
        result: Any = None,
        *,
        test_id: str | None = None,
    ) -> None:
        super().__init__(
            TestEventType.COMPLETED if success else TestEventType.FAILED,
            test_id or test_name,
            {"test_name": test_name, "success": success, "result": result},
        )
        if timestamp is not None:
            self.timestamp = timestamp


class TestCaseErrorEvent(TestExecutionFailedEvent):
    """The guide's ``test_case.error``; published as ``test.execution_failed``.

    ``error`` is also stored as ``error_message``, the canonical class's field.
    """

    __slots__ = ()

    def __init__(
        self,
        test_name: str,
        timestamp: datetime | None = None,
        error: str = "",
        *,
        test_id: str | None = None,
    ) -> None:
        TestEvent.__init__(
            self,
            TestEventType.EXECUTION_FAILED,
            test_id or test_name,
            {"test_name": test_name, "error": error, "error_message": error},
        )
        if timestamp is not None:
            self.timestamp = timestamp


class ExperimentStartedEvent(ExperimentExecutionStartedEvent):
    """The guide's ``experiment.started``; published as ``experiment.execution_started``.

    ``test_cases`` (the guide's progress observer reads ``len(event.test_cases)``) defaults to
    an empty list; ``test_count`` is derived from it.
    """

    __slots__ = ()

    def __init__(
        self, experiment_id: str = "experiment", test_cases: list[Any] | None = None
    ) -> None:
        cases = list(test_cases or [])
        # The test cases are live objects (the guide's hold their manager): a random id, as
        # content ids need data with an exact encoding.
        BaseEvent.__init__(
            self,
            ExperimentEventType.EXECUTION_STARTED.value,
            EventType.EXPERIMENT,
            experiment_id,
            {"test_cases": cases, "test_count": len(cases)},
            use_content_uuid=False,
        )


class ExperimentFinishedEvent(ExperimentEvent):
    """The guide's ``experiment.finished``: ``experiment.completed`` when ``success``, else
    ``experiment.failed``."""

    __slots__ = ()

    def __init__(
        self,
        experiment_id: str = "experiment",
        success: bool = True,
        summary: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            ExperimentEventType.COMPLETED if success else ExperimentEventType.FAILED,
            experiment_id,
            {"success": success, "summary": summary},
        )
