"""An adversarial operator against the NATS commands: poison that slipped past the checks, wrong
counts and unreadable listings, each through the real CLI and a real nats-server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from panther_events.serialization import event_to_json
from panther_events.transport.base import message_id, subject_for
from panther_events.transport.nats import NatsTransport

from ..runner.test_cli_nats import cli
from ._events import step_event, stored_counts
from ._server import NatsServer, free_port
from .test_nats_faults import ensure_stream, good_messages, publish_raw
from .test_nats_security import SecureServer, secure_server  # noqa: F401 - its fixture

pytestmark = pytest.mark.slow

#: A wire form whose text is valid UTF-8 JSON but holds a lone surrogate (``\ud800``): json
#: decodes it, and no UTF-8 database can store the string.
SURROGATE = (
    b'{"id":"surrogate","name":"\\ud800","type":"test.created","entity_type":"test",'
    b'"entity_id":"t","timestamp":"2026-01-01T00:00:00+00:00","data":{"s":"\\udc00"}}'
)


def collect(url: str, db: Path) -> dict[str, object]:
    """``collect --json`` until idle; its summary (exit status 0 and no traceback checked)."""
    result = cli("collect", "--nats", url, "--db", str(db), "--idle-timeout", "2", "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


@pytest.fixture
def server(fresh_nats_server: NatsServer) -> NatsServer:
    """A server of the test's own, its event stream created."""
    ensure_stream(fresh_nats_server.url)
    return fresh_nats_server


class TestPoisonPastTheChecks:
    """Content the wire check lets through still never stops the collector."""

    def test_lone_surrogate_is_dead_lettered_and_the_rest_stored(
        self, server: NatsServer, tmp_path: Path
    ) -> None:
        """A lone surrogate escape among good events of two runs: the good ones are stored,
        the bad one dead-lettered; collect exits 0 without a traceback."""
        publish_raw(
            server.url,
            [
                *good_messages("runA", 3),
                ("panther.events.r.test.created", message_id("r", "surrogate"), SURROGATE),
                *good_messages("runB", 3),
            ],
        )
        db = tmp_path / "central.db"
        summary = collect(server.url, db)
        assert (summary["events"], summary["dead_lettered"]) == (6, 1)
        assert stored_counts(db) == (6, 6)


class TestSummary:
    """What `collect` and `dead-letters` print is true and readable."""

    def test_collect_counts_every_stored_event_when_poison_fails_to_decode(
        self, server: NatsServer, tmp_path: Path
    ) -> None:
        """Messages refused while decoding (not JSON, no Nats-Msg-Id) are not subtracted
        from the events stored: the summary's count equals the store's."""
        publish_raw(
            server.url,
            [
                *good_messages("runA", 4),
                ("panther.events.r.x", "r:garbage", b"not json"),
                ("panther.events.r.x", None, b"{}"),
                ("panther.events.r.x", "r:bad-utf8", b"\xff\xfe"),
            ],
        )
        db = tmp_path / "central.db"
        summary = collect(server.url, db)
        assert (summary["events"], summary["dead_lettered"]) == (4, 3)
        assert stored_counts(db) == (4, 4)

    def test_dead_letters_separates_fields_with_tabs(self, server: NatsServer) -> None:
        """Each listed dead letter is one line of tab-separated fields (not a literal '\\t'),
        while control characters from the message itself are still escaped."""
        publish_raw(server.url, [("panther.events.r.x", "r:evil\x1b[2J", b"not json")])
        collect(server.url, server.store_dir.parent / "central.db")
        listed = cli("dead-letters", "--nats", server.url)
        assert listed.returncode == 0, listed.stderr
        (line,) = listed.stdout.strip().splitlines()
        fields = line.split("\t")
        assert fields[0] == "1" and fields[2] == "run r" and len(fields) == 6, line
        assert "\x1b" not in line


def spool_line(run: str, i: int) -> str:
    """One intact spool record: event ``i`` of ``run``, as a publisher writes it."""
    event = step_event(i, run)
    return (
        json.dumps(
            [
                message_id(run, event.id),
                subject_for(run, "step.progress"),
                run,
                event_to_json(event),
            ]
        )
        + "\n"
    )


class TestDamagedSpoolRecords:
    """A spool record that can never be sent is skipped as damaged, never blocking the rest."""

    @pytest.mark.parametrize(
        "bad",
        [
            pytest.param('["r:x", "panther.events.r.x", "r", "\\ud800"]', id="surrogate-payload"),
            pytest.param('["r:\\udc00", "panther.events.r.x", "r", "{}"]', id="surrogate-id"),
            pytest.param('["r:x\\r\\nEvil: 1", "panther.events.r.x", "r", "{}"]', id="crlf-id"),
            pytest.param('["r:y", "panther.events.r.>", "r", "{}"]', id="wildcard-subject"),
            pytest.param('["r:z", "has space", "r", "{}"]', id="space-subject"),
            pytest.param('["r:w", "", "r", "{}"]', id="empty-subject"),
        ],
    )
    def test_unsendable_record_is_skipped_and_the_rest_resent(
        self, server: NatsServer, tmp_path: Path, bad: str
    ) -> None:
        """`resend` of a spool holding one record that no server would take: one damaged
        record counted, the intact ones sent and stored once, exit 0, no traceback."""
        spool = tmp_path / "run.nats-spool.jsonl"
        spool.write_text(spool_line("r", 1) + bad + "\n" + spool_line("r", 2))
        result = cli("resend", str(spool), "--nats", server.url, "--timeout", "20")
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == 0, result.stderr
        assert "sent 2 events" in result.stdout and "1 damaged" in result.stdout
        assert not spool.exists()
        db = tmp_path / "central.db"
        assert collect(server.url, db)["dead_lettered"] == 0
        assert stored_counts(db) == (2, 2)


class TestForgedHeaders:
    """An event id never writes a header of its own into a message."""

    def test_event_id_with_crlf_is_refused_at_publish(
        self, server: NatsServer, tmp_path: Path
    ) -> None:
        """An id holding CR LF (which would end Nats-Msg-Id and forge a header) is refused by
        publish() with a ValueError naming it; the events around it are sent."""
        transport = NatsTransport(server.url, spool_path=tmp_path / "s.jsonl")
        try:
            forged = step_event(1)
            forged.id = "a\r\nNats-Msg-Id: r:victim"
            with pytest.raises(ValueError, match="control characters"):
                transport.publish(forged, run_id="r")
            transport.publish(step_event(2), run_id="r")
            assert transport.flush(30)
            assert transport.stats()["sent"] == 1
        finally:
            transport.close()


class TestPasswordsNeverShown:
    """A password is never printed, whatever characters it holds."""

    @pytest.mark.parametrize("password", ["Se/Cret9", "Pq@Ss7", "Qxa:Qyb@Qzc/Qwd"])
    def test_collect_with_an_odd_password_never_prints_it(
        self, password: str, tmp_path: Path
    ) -> None:
        """A password with '/', '@' or ':' typed as is: whatever collect says, no part of
        the password appears (not even in the URL parser's reason)."""
        url = f"tls://collector:{password}@127.0.0.1:{free_port()}"
        result = cli(
            "collect", "--nats", url, "--db", str(tmp_path / "c.db"), "--idle-timeout", "1"
        )
        shown = result.stdout + result.stderr
        for part in re.split(r"[/@:]", password):
            assert part not in shown, shown
        assert "Traceback" not in shown


class TestCollectorThatNeverConnects:
    """A collector that never reached its server says so and fails, instead of reporting
    'collected 0 events' and exit 0."""

    def test_server_down_fails_with_one_line(self, tmp_path: Path) -> None:
        """Nothing listens at the URL: exit 1, one error line naming the (masked) URL."""
        url = f"nats://collector:Pw9x@127.0.0.1:{free_port()}"
        result = cli(
            "collect", "--nats", url, "--db", str(tmp_path / "c.db"), "--idle-timeout", "1"
        )
        assert result.returncode == 1, result.stdout
        (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert "never reached" in error and "collector:***@" in error, error
        assert "Pw9x" not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr

    def test_tls_url_never_falls_back_to_plain_text(
        self, fresh_nats_server: NatsServer, tmp_path: Path
    ) -> None:
        """tls:// to a server that offers no TLS (or an impostor that says so): the client
        never sends its credentials in clear; collect fails naming the TLS error, exit 1."""
        url = f"tls://collector:Pw9x@127.0.0.1:{fresh_nats_server.port}"
        result = cli(
            "collect", "--nats", url, "--db", str(tmp_path / "c.db"), "--idle-timeout", "2"
        )
        assert result.returncode == 1, result.stdout
        (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert "SSL" in error, error
        assert "Traceback" not in result.stderr


class TestRefusedCredentials:
    """A wrong password is said once, in a few lines, never as a flood."""

    def test_wrong_password_is_said_in_a_few_lines(
        self,
        secure_server: SecureServer,  # noqa: F811 - the imported fixture
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """collect with a refused password against the documented TLS server: exit 1, the
        refusal named, no password, and no line repeated per reconnection attempt."""
        monkeypatch.setenv("SSL_CERT_FILE", str(secure_server.ca))
        url = secure_server.url("collector", "Wrong9pw")
        result = cli(
            "collect", "--nats", url, "--db", str(tmp_path / "c.db"), "--idle-timeout", "3"
        )
        assert result.returncode == 1, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) <= 4, result.stderr
        assert "Authorization" in lines[-1], lines
        assert "Wrong9pw" not in result.stdout + result.stderr


class TestCollectOptions:
    """An option value JetStream would refuse is refused at once, naming it."""

    @pytest.mark.parametrize(
        ("option", "value"),
        [
            ("--ack-wait", "-5"),
            ("--ack-wait", "0"),
            ("--ack-wait", "inf"),
            ("--duplicate-window", "nan"),
            ("--idle-timeout", "-1"),
            ("--consumer", "bad name.x"),
            ("--consumer", ""),
            ("--stream", "bad.name"),
        ],
    )
    def test_bad_value_is_refused_before_connecting(
        self, option: str, value: str, tmp_path: Path
    ) -> None:
        """No server is needed to see that the value is wrong: exit 2 with the option named,
        no traceback, nothing retried forever."""
        result = cli(
            "collect",
            "--nats",
            f"nats://127.0.0.1:{free_port()}",
            "--db",
            str(tmp_path / "c.db"),
            "--idle-timeout",
            "1",  # the last value given wins: the one tested
            option,
            value,
        )
        assert result.returncode == 2, result.stdout + result.stderr
        assert option in result.stderr and "Traceback" not in result.stderr
