"""Run ids: one function mints them all, in one format, never twice in a process."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from panther_events._run_ids import new_run_id


class TestNewRunId:
    """panther_events._run_ids.new_run_id."""

    def test_format_with_every_part(self) -> None:
        """NAME-UTCTIME-RANDOM-HOST-PID, the time in UTC with a Z."""
        moment = datetime(2026, 11, 23, 22, 15, tzinfo=UTC)
        run_id = new_run_id("echo", host=True, pid=True, now=moment)
        assert re.fullmatch(r"echo-20261123T221500Z-[0-9a-f]{6}-[A-Za-z0-9_\-]+-\d+", run_id)

    def test_plain_id_is_time_and_random(self) -> None:
        """Without options: UTCTIME-RANDOM."""
        assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", new_run_id())

    def test_never_twice_in_one_second(self) -> None:
        """Ids minted for the same second in one process all differ (no birthday collisions)."""
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        ids = [new_run_id(now=moment) for _ in range(20_000)]
        assert len(set(ids)) == len(ids)

    def test_a_name_never_brings_a_dot_or_a_wildcard(self) -> None:
        """A name such as a directory's (``my.project``) is made safe for NATS subjects and
        file names: a run id is one subject token."""
        run_id = new_run_id("pytest-my.project *>/x y", host=True)
        assert run_id.startswith("pytest-my-project----x-y-")
        assert re.fullmatch(r"[A-Za-z0-9_\-]+", run_id)
