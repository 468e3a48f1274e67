"""The documented secure server: the configuration in docs/deployment.md, run as written with
TLS and passwords, accepts the documented client options and refuses everything else."""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from panther_events.store.sqlite import SQLiteEventStore
from panther_events.transport.nats import NatsPublisher, NatsSubscriber, NatsTransport

from ._events import step_event
from ._server import free_port, nats_server_binary

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
PASSWORDS = {"PANTHER_WORKER_PASSWORD": "w-s3cret", "PANTHER_COLLECTOR_PASSWORD": "c-s3cret"}


def documented_config() -> str:
    """The ```conf block of docs/deployment.md, as a reader would copy it."""
    (block,) = re.findall(r"```conf\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return block


def make_certificates(directory: Path) -> None:
    """A private CA and a server certificate for 127.0.0.1 signed by it (openssl)."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=test CA",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server-key.pem",
        "-out",
        "server.csr",
    )
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
            "-CAcreateserial", "-days", "2", "-extfile", "san.ext",
            "-out", "server-cert.pem")  # fmt: skip


@dataclass
class SecureServer:
    """Where the documented server listens, and the CA that signed its certificate."""

    port: int
    ca: Path

    def url(self, user: str, password: str, scheme: str = "tls") -> str:
        """A client URL with credentials."""
        return f"{scheme}://{user}:{password}@127.0.0.1:{self.port}"

    def tls(self) -> ssl.SSLContext:
        """The client TLS context trusting the private CA."""
        return ssl.create_default_context(cafile=str(self.ca))


@pytest.fixture(scope="module")
def secure_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureServer]:
    """nats-server started from the documented configuration (paths and port made local)."""
    directory = tmp_path_factory.mktemp("secure")
    make_certificates(directory)
    port = free_port()
    config = (
        documented_config()
        .replace("/etc/nats/", f"{directory}/")
        .replace("/var/lib/nats", str(directory / "jetstream"))
        .replace("0.0.0.0:4222", f"127.0.0.1:{port}")
    )
    (directory / "panther.conf").write_text(config)
    log = (directory / "server.log").open("wb")
    proc = subprocess.Popen(
        [nats_server_binary(), "-c", str(directory / "panther.conf")],
        env=PASSWORDS,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, (directory / "server.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not listen"
                time.sleep(0.05)
        yield SecureServer(port, directory / "ca.pem")
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


class TestDocumentedSecureServer:
    """TLS and one user per role, as docs/deployment.md shows them."""

    @pytest.mark.parametrize("fast_path", [True, False])
    def test_worker_and_collector_with_their_credentials_deliver(
        self,
        secure_server: SecureServer,
        tmp_path: Path,
        fast_path: bool,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A worker publishes and a collector stores and acknowledges, over TLS, each with
        the permissions of its documented user, on either path."""
        monkeypatch.setenv("PANTHER_EVENTS_NATS_FAST_PATH", "1" if fast_path else "0")
        run = f"secure-{fast_path}"
        publisher = NatsPublisher(
            secure_server.url("worker", PASSWORDS["PANTHER_WORKER_PASSWORD"]),
            run_id=run,
            spool_path=tmp_path / "spool.jsonl",
            tls=secure_server.tls(),
        )
        for i in range(20):
            publisher.on_event(step_event(i, run))
        assert publisher.flush(30), publisher.stats()
        publisher.close()
        store = SQLiteEventStore(tmp_path / "central.db")
        try:
            with NatsSubscriber(
                secure_server.url("collector", PASSWORDS["PANTHER_COLLECTOR_PASSWORD"]),
                store,
                consumer=f"collector-{fast_path}",
                tls=secure_server.tls(),
            ) as subscriber:
                assert subscriber.run(idle_timeout=1.0) >= 20
                assert subscriber.transport.stats()["path"] == ("fast" if fast_path else "public")
            assert sorted(e.id for e in store.events(run)) == sorted(
                step_event(i, run).id for i in range(20)
            )
        finally:
            store.close()

    def test_wrong_password_is_refused_and_said(self, secure_server: SecureServer) -> None:
        """Refused credentials: never connected, and the reason is kept for the user."""
        transport = NatsTransport(secure_server.url("worker", "wrong"), tls=secure_server.tls())
        try:
            assert not transport.wait_connected(3)
            assert "authorization" in transport.last_connect_error.lower()
        finally:
            transport.close(0)

    def test_plain_connection_is_refused(self, secure_server: SecureServer) -> None:
        """Without TLS the documented server accepts nobody, even with the right password."""
        transport = NatsTransport(
            secure_server.url("worker", PASSWORDS["PANTHER_WORKER_PASSWORD"], scheme="nats")
        )
        try:
            assert not transport.wait_connected(3)
        finally:
            transport.close(0)

    def test_worker_cannot_read_the_stream(self, secure_server: SecureServer) -> None:
        """The worker's permissions do not let it consume: a stolen worker password does not
        expose the events."""
        transport = NatsTransport(
            secure_server.url("worker", PASSWORDS["PANTHER_WORKER_PASSWORD"]),
            consumer="thief",
            tls=secure_server.tls(),
        )
        try:
            assert transport.wait_connected(10)
            assert transport.fetch(10, timeout=1.0) == []
        finally:
            transport.close(0)

    def test_cli_with_the_documented_options(
        self, secure_server: SecureServer, tmp_path: Path
    ) -> None:
        """`collect` with a tls:// URL holding credentials in PANTHER_EVENTS_NATS and
        SSL_CERT_FILE naming the private CA connects; its output never shows the password."""
        import os
        import sys

        password = PASSWORDS["PANTHER_COLLECTOR_PASSWORD"]
        result = subprocess.run(
            [sys.executable, "-c", "from panther_events.cli import main; main()", "collect",
             "--db", str(tmp_path / "c.db"), "--consumer", "cli", "--idle-timeout", "1"],
            env={**os.environ, "SSL_CERT_FILE": str(secure_server.ca),
                 "PANTHER_EVENTS_NATS": secure_server.url("collector", password)},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "collected" in result.stdout
        assert password not in result.stdout + result.stderr
        assert "collector:***@" in result.stderr
