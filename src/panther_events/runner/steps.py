"""The built-in step kinds: ``command``, ``wait``, ``tcp_send``, ``udp_send`` and ``http_get``.

They are registered as entry points of ``panther_events.steps`` in ``pyproject.toml``, exactly
as a third-party package would register its own.
"""

from __future__ import annotations

import http.client
import re
import shlex
import socket
import subprocess
import tempfile
import threading
import time
from typing import IO, Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .._exit_status import describe_exit_status
from ._process import kill_tree, not_found_hint, spawn
from .plugins import Step, StepContext, StepFailed, StepOutput, StrictParams
from .schema import EnvVars, argv_of, check_argv

__all__ = ["CommandStep", "HttpGetStep", "TcpSendStep", "UdpSendStep", "WaitStep"]

# The most of a command's output or stderr, a reply or a response body kept as a step's output
# (the rest of a reply is read, searched for what the step expects, then dropped): a flood or a
# large download must not fill the runner's memory.
_MAX_KEPT = 16 * 1024 * 1024
# How much of what was received a failure message quotes.
_QUOTED = 200


class CommandParams(StrictParams):
    """``command``: run a program in the test's working directory.

    Attributes:
        run: argv list, or a command line split like a shell would when the file is read, so
            a ``${...}`` variable stays one argument whatever its value holds.
        shell: run ``run`` (a string) with ``/bin/sh -c`` instead; variables are substituted
            into it as text, so quote them there (``"${experiment_dir}"``).
        check: fail the step when the exit status is not 0 (``false``: let an ``exit_code``
            assertion judge it).
        env: extra environment variables.
        input: text written to its stdin.
    """

    shell: bool = False  # before run: validating run reads it
    run: list[str] | str
    check: bool = True
    env: EnvVars = Field(default_factory=dict)
    input: str | None = None

    @field_validator("run", mode="before")
    @classmethod
    def _split_before_substitution(cls, value: Any, info: ValidationInfo) -> Any:
        # A command line is split when the file is read, before ${...} is substituted (as a
        # service's command is), so a variable's value stays one argument whatever it holds.
        if isinstance(value, str) and info.data.get("shell"):
            return value
        return argv_of(value)

    @field_validator("run")
    @classmethod
    def _runnable(cls, value: list[str] | str) -> list[str] | str:
        if not (value.strip() if isinstance(value, str) else value):
            raise ValueError("expected a program to run (an argv list or a command line)")
        check_argv([value] if isinstance(value, str) else value)
        return value

    def argv(self) -> list[str]:
        """The argv to execute."""
        if self.shell:
            return [
                "/bin/sh",
                "-c",
                self.run if isinstance(self.run, str) else shlex.join(self.run),
            ]
        return shlex.split(self.run) if isinstance(self.run, str) else list(self.run)


class CommandStep(Step):
    """Run a command in its own process group; a timeout kills the whole group."""

    Params = CommandParams

    def __init__(self, params: CommandParams) -> None:
        super().__init__(params)
        self.params: CommandParams = params
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def run(self, context: StepContext, timeout: float) -> StepOutput:
        """Run the command until it exits or ``timeout``; capture stdout and stderr.

        The output is read once the command itself exits. It goes to temporary files, not
        pipes: a background process it started (``sleep 300 &`` in a shell) would keep a pipe
        open, and reading to its end would wait for that process. What is still running in
        the command's process group when it exits is killed with it.
        """
        argv = context.wrap_command(self.params.argv())
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            with self._lock:
                if context.cancelled.is_set():
                    raise StepFailed("cancelled before it started")
                try:
                    self._proc = spawn(
                        argv,
                        cwd=context.workdir,
                        env={**context.env, **self.params.env},
                        stdin=subprocess.PIPE
                        if self.params.input is not None
                        else subprocess.DEVNULL,
                        stdout=out,
                        stderr=err,
                    )
                except OSError as exc:
                    hint = not_found_hint(argv[0], exc)
                    raise StepFailed(f"cannot run {argv[0]!r}: {exc}{hint}") from exc
            proc = self._proc
            data = self.params.input.encode() if self.params.input is not None else None
            try:
                proc.communicate(data, timeout=timeout)  # writes stdin, waits for the exit
            except subprocess.TimeoutExpired as exc:
                raise StepFailed(
                    f"command `{shlex.join(argv)}` still running after {timeout}s; killed"
                ) from exc
            finally:
                kill_tree(proc)  # anything it left running in its group goes with it
            result = StepOutput(
                output=_read_kept(out, end=False),
                stderr=_read_kept(err, end=True),
                exit_code=proc.returncode,
                details={"argv": argv},
            )
        if context.cancelled.is_set():
            raise StepFailed("cancelled")
        if self.params.check and proc.returncode != 0:
            stderr = result.stderr.strip()[-500:]
            raise StepFailed(
                f"command `{shlex.join(argv)}` exited with {describe_exit_status(proc.returncode)} "
                "(set check: false to let an exit_code assertion judge it)"
                + (f"; stderr: {stderr!r}" if stderr else "")
            )
        return result

    def cancel(self) -> None:
        """Kill the command's process group."""
        with self._lock:
            if self._proc is not None:
                kill_tree(self._proc)


def _read_kept(file: IO[bytes], *, end: bool) -> str:
    """The first ``_MAX_KEPT`` bytes of ``file`` (with ``end``: the last), as text."""
    size = file.seek(0, 2)
    file.seek(max(0, size - _MAX_KEPT) if end else 0)
    return file.read(_MAX_KEPT).decode(errors="replace")


class WaitParams(StrictParams):
    """``wait``: pause for ``seconds``."""

    seconds: float = Field(ge=0)


class WaitStep(Step):
    """Pause; ends early (failed) when the step is cancelled."""

    Params = WaitParams

    def __init__(self, params: WaitParams) -> None:
        super().__init__(params)
        self.params: WaitParams = params

    def run(self, context: StepContext, timeout: float) -> StepOutput:
        """Wait ``seconds`` unless cancelled."""
        if context.cancelled.wait(min(self.params.seconds, timeout + 1)):
            raise StepFailed(f"cancelled during a {self.params.seconds}s wait")
        return StepOutput(details={"seconds": self.params.seconds})


class _Received:
    """What a step received, chunk by chunk: the first ``_MAX_KEPT`` bytes kept, ``wanted``
    looked for in all of it (in linear time, across chunk boundaries too)."""

    def __init__(self, wanted: bytes) -> None:
        self.kept = bytearray()
        self.size = 0
        self.found = not wanted
        self._wanted = wanted
        self._window = b""  # the end of what was received, for a match across two chunks

    def add(self, chunk: bytes) -> None:
        """Take the next chunk."""
        self.size += len(chunk)
        self.kept += chunk[: _MAX_KEPT - len(self.kept)]
        if not self.found:
            self.found = self._wanted in self._window + chunk
            self._window = (self._window + chunk)[-len(self._wanted) :]

    def text(self) -> str:
        """What was kept, as text."""
        return self.kept.decode(errors="replace")

    def quoted(self) -> str:
        """For a message: all of it if short, else its size and start."""
        text = self.text()
        if len(text) <= _QUOTED:
            return repr(text)
        return f"{self.size:,} bytes, starting {text[:_QUOTED]!r}"


class _SendParams(StrictParams):
    """Where to send: a service of the test (its port) or an explicit host and port."""

    service: str | None = None
    host: str = "127.0.0.1"
    port: int | None = Field(default=None, ge=1, le=65535)
    data: str
    expect: str | None = None

    @model_validator(mode="after")
    def _target(self) -> _SendParams:
        if (self.service is None) == (self.port is None):
            raise ValueError("expected exactly one of 'service' or 'port'")
        return self

    def address(self, context: StepContext) -> tuple[str, int]:
        """The (host, port) to send to."""
        if self.port is not None:
            return self.host, self.port
        assert self.service is not None  # guaranteed by the validator
        port = context.service(self.service).port
        if port is None:
            raise StepFailed(f"service {self.service!r} has no 'port' to send to")
        return self.host, port


class TcpSendParams(_SendParams):
    """``tcp_send``: connect, send ``data``, and read until the reply contains ``expect``."""


class TcpSendStep(Step):
    """Send over TCP and check the reply."""

    Params = TcpSendParams

    def __init__(self, params: TcpSendParams) -> None:
        super().__init__(params)
        self.params: TcpSendParams = params

    def run(self, context: StepContext, timeout: float) -> StepOutput:
        """Send ``data``; with ``expect``, read until it appears, the peer closes, or timeout."""
        address = self.params.address(context)
        deadline = time.monotonic() + timeout
        try:
            conn = context.create_connection(address, timeout)
        except OSError as exc:
            raise StepFailed(f"cannot connect to {address[0]}:{address[1]}: {exc}") from exc
        expect = self.params.expect
        reply = _Received(expect.encode() if expect is not None else b"")
        with conn:
            conn.sendall(self.params.data.encode())
            while not reply.found and not context.cancelled.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                conn.settimeout(min(remaining, 0.2))
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                reply.add(chunk)
        if not reply.found:
            raise StepFailed(f"expected a reply containing {expect!r}, got {reply.quoted()}")
        return StepOutput(
            output=reply.text(), details={"sent_bytes": len(self.params.data.encode())}
        )


class UdpSendParams(_SendParams):
    """``udp_send``: send one datagram and, with ``expect``, wait for a reply containing it."""


class UdpSendStep(Step):
    """Send a UDP datagram and check the reply."""

    Params = UdpSendParams

    def __init__(self, params: UdpSendParams) -> None:
        super().__init__(params)
        self.params: UdpSendParams = params

    def run(self, context: StepContext, timeout: float) -> StepOutput:
        """Send ``data``; with ``expect``, receive datagrams until one contains it or timeout."""
        address = self.params.address(context)
        deadline = time.monotonic() + timeout
        reply = b""
        with context.create_socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(self.params.data.encode(), address)
            expect = self.params.expect
            if expect is not None:
                while expect.encode() not in reply and not context.cancelled.is_set():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    sock.settimeout(min(remaining, 0.2))
                    try:
                        reply, _ = sock.recvfrom(65536)
                    except TimeoutError:
                        continue
                    except OSError as exc:  # ICMP port unreachable surfaces here
                        raise StepFailed(f"no reply from {address[0]}:{address[1]}: {exc}") from exc
        last = _Received(expect.encode() if expect is not None else b"")
        last.add(reply)
        if not last.found:
            raise StepFailed(f"expected a datagram containing {expect!r}, got {last.quoted()}")
        return StepOutput(
            output=last.text(), details={"sent_bytes": len(self.params.data.encode())}
        )


class HttpGetParams(StrictParams):
    """``http_get``: GET a URL (or ``path`` on a service's port) and check the response.

    Attributes:
        url: a full ``http://`` URL; or give ``service`` (and ``path``) instead.
        service: a service of the test whose ``port`` serves HTTP on 127.0.0.1.
        path: the path on ``service``.
        expect_status: the status the response must have (``null``: any).
        expect_body: text the body must contain.
        headers: request headers.
    """

    url: str | None = None
    service: str | None = None
    path: str = "/"
    expect_status: int | None = 200
    expect_body: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^http://", value):
            raise ValueError(f"expected an http:// URL, got {value!r}")
        if value is not None and "${" not in value:  # variables are checked once substituted
            try:
                urlsplit(value).port  # noqa: B018 (parses host and port, raising if bad)
            except ValueError as exc:
                raise ValueError(
                    f"expected an http:// URL with a valid host and port ({exc})"
                ) from None
        return value

    @model_validator(mode="after")
    def _target(self) -> HttpGetParams:
        if (self.url is None) == (self.service is None):
            raise ValueError("expected exactly one of 'url' or 'service'")
        return self


class HttpGetStep(Step):
    """GET over HTTP/1.1 with http.client, through the test's network."""

    Params = HttpGetParams

    def __init__(self, params: HttpGetParams) -> None:
        super().__init__(params)
        self.params: HttpGetParams = params

    def run(self, context: StepContext, timeout: float) -> StepOutput:
        """Fetch, then check status and body.

        The body is read in chunks until it ends, the timeout passes or the step is
        cancelled; however long it is, only its first ``_MAX_KEPT`` bytes are kept as the
        step's output, and ``expect_body`` is looked for in all of it.
        """
        host, port, target = self._target(context)
        url = f"http://{host}:{port}{target}"
        deadline = time.monotonic() + timeout
        expect = self.params.expect_body
        body = _Received(expect.encode() if expect is not None else b"")
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            # A socket made by the environment: inside its network namespace, if it has one.
            conn.sock = context.create_connection((host, port), timeout)
            conn.request("GET", target, headers=self.params.headers)
            response = conn.getresponse()
            status = response.status
            while chunk := response.read1(65536):
                body.add(chunk)
                if context.cancelled.is_set() or time.monotonic() >= deadline:
                    raise StepFailed(
                        f"GET {url}: the body was still arriving after {timeout}s "
                        f"({body.size:,} bytes so far); raise the step's timeout"
                    )
        except (OSError, http.client.HTTPException) as exc:
            raise StepFailed(f"GET {url} failed: {exc}") from exc
        finally:
            conn.close()
        details: dict[str, Any] = {"status": status, "url": url}
        if self.params.expect_status is not None and status != self.params.expect_status:
            raise StepFailed(f"GET {url} answered {status}, expected {self.params.expect_status}")
        if not body.found:
            raise StepFailed(f"GET {url}: body does not contain {expect!r}; got {body.quoted()}")
        return StepOutput(output=body.text(), details=details)

    def _target(self, context: StepContext) -> tuple[str, int, str]:
        if self.params.url is not None:
            parts = urlsplit(self.params.url)
            target = parts.path or "/"
            if parts.query:
                target += f"?{parts.query}"
            return parts.hostname or "127.0.0.1", parts.port or 80, target
        assert self.params.service is not None  # guaranteed by the validator
        port = context.service(self.params.service).port
        if port is None:
            raise StepFailed(f"service {self.params.service!r} has no 'port' to GET from")
        return "127.0.0.1", port, self.params.path
