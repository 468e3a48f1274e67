"""The live stream (Server-Sent Events) of a served dashboard, a second process writing."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from panther_events.cli.serve import start_dashboard

from ._runs import ROOT
from .conftest import Runs


def _messages(response: httpx.Response) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """Yield (id, data) of each ``update`` message of an SSE response."""
    event_id, data = None, None
    for line in response.iter_lines():
        if line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and data is not None:
            yield event_id, data
            event_id, data = None, None


def _write_from_another_process(db: Path, run_id: str, name: str) -> None:
    """Store one ``test.created`` event from a separate Python process."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.web._writer", str(db), run_id, name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.stdout.strip() == "stored", proc.stderr


class TestLiveStream:
    def test_event_stored_by_another_process_arrives_within_a_second(
        self, runs: Runs, db_copy: Path
    ) -> None:
        """An event another process stores reaches an open stream within 1 s of its commit,
        with the header's event count updated."""
        dashboard = start_dashboard(db_copy)
        try:
            url = f"{dashboard.url}api/runs/{runs.failing}/live"
            with httpx.stream("GET", url, timeout=10) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                messages = _messages(response)
                _, first = next(messages)
                count = first["header"]["events"]
                _write_from_another_process(db_copy, runs.failing, "late-<b>test</b>")
                committed = time.monotonic()
                for _, data in messages:
                    names = [e["entity_id"] for e in data["events"]]
                    if f"{runs.failing}/late-<b>test</b>" in names:
                        break
                waited = time.monotonic() - committed
                assert waited < 1.0, f"the event took {waited:.2f} s to arrive"
                header = (
                    data.get("header") or next(m for _, m in messages if "header" in m)["header"]
                )
                assert header["events"] == count + 1
        finally:
            dashboard.stop()

    def test_stream_resumes_after_a_restart_from_last_event_id(
        self, runs: Runs, db_copy: Path
    ) -> None:
        """A client reconnecting with Last-Event-ID after the server restarted receives the
        events stored while it was down."""
        first = start_dashboard(db_copy)
        try:
            with httpx.stream("GET", f"{first.url}api/runs/{runs.echo}/live", timeout=10) as r:
                last_id, _ = next(_messages(r))
        finally:
            first.stop()
        assert last_id is not None
        _write_from_another_process(db_copy, runs.echo, "while-down")
        second = start_dashboard(db_copy)
        try:
            with httpx.stream(
                "GET",
                f"{second.url}api/runs/{runs.echo}/live",
                headers={"last-event-id": last_id},
                timeout=10,
            ) as response:
                seen: list[str] = []
                for _, data in _messages(response):
                    seen += [e["entity_id"] for e in data["events"]]
                    if seen:
                        break
        finally:
            second.stop()
        assert seen == [f"{runs.echo}/while-down"]

    def test_filters_apply_to_the_stream(self, runs: Runs, db_copy: Path) -> None:
        """A stream filtered by type does not carry other types (the header still counts)."""
        dashboard = start_dashboard(db_copy)
        try:
            url = f"{dashboard.url}api/runs/{runs.failing}/live?type=service.*"
            with httpx.stream("GET", url, timeout=10) as response:
                messages = _messages(response)
                next(messages)
                _write_from_another_process(db_copy, runs.failing, "filtered-out")
                _, data = next(m for m in messages if "header" in m[1])
                assert data["events"] == []
        finally:
            dashboard.stop()
