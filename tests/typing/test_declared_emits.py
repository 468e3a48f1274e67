"""mypy --strict rejects a misspelled keyword on emit methods declared from their event class."""

from __future__ import annotations

import re
from pathlib import Path

from mypy import api

# Each line that must fail ends in "# error: <text of mypy's message>"; the others must pass.
SNIPPET = """\
from panther_events import (
    EmitterRegistry,
    EventManager,
    ServiceEventEmitter,
    ServiceStartedEvent,
    TestCreatedEvent,
    TestEventEmitter,
)

manager = EventManager()
service = ServiceEventEmitter(manager)
started: ServiceStartedEvent = service.emit_service_started("s1", service_name="quic", pid=7)
service.emit_service_started("s1", service_nam="quic")  # error: "service_nam"
service.emit_service_started(service_name="quic")  # error: Too few arguments
service.emit_service_started("s1", "quic", pid="7")  # error: "pid"
test = TestEventEmitter(manager, "t1")
created: TestCreatedEvent = test.emit_test_created(test_name="handshake")
test.emit_test_created(test_nme="handshake")  # error: "test_nme"
registry = EmitterRegistry(manager)
ok: bool = registry.emit_service_ready_with_validation("s1", "quic")
registry.emit_service_ready_with_validation("s1", service_nme="quic")  # error: "service_nme"
ok = registry.emit_validated(ServiceStartedEvent, "s1", "quic", start_time=1.0)
registry.emit_validated(ServiceStartedEvent, "s1", "quic", strat_time=1.0)  # error: "strat_time"
event: ServiceStartedEvent = service.emit(ServiceStartedEvent, "s1", "quic")
service.emit(ServiceStartedEvent, "s1", servce_name="quic")  # error: "servce_name"
"""


def test_mypy_rejects_misspelled_keywords_on_declared_emit_methods(tmp_path: Path) -> None:
    """Every marked line is an error naming the bad argument; every other line type-checks."""
    source = tmp_path / "snippet.py"
    source.write_text(SNIPPET)
    out, err, _ = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(source)]
    )
    errors = {
        int(m.group(1)): m.group(2) for m in re.finditer(r"snippet\.py:(\d+): error: (.*)", out)
    }
    expected = {
        number: marker
        for number, line in enumerate(SNIPPET.splitlines(), start=1)
        for marker in [line.partition("# error: ")[2]]
        if marker
    }
    assert set(errors) == set(expected), out + err
    for number, text in expected.items():
        assert text in errors[number], (number, errors[number])
