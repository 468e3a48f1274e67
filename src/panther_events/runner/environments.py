"""Where a test runs: a fresh working directory and environment, optionally its own network.

``local`` gives each test a new temporary directory and environment variables. ``netns`` adds
a Linux network namespace (``ip netns``): the test's services and commands run inside it, and
the runner's own sockets for steps and checks are opened inside it too, so tests cannot see
each other's ports. It needs root; without root it fails at setup with an error saying so.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._exit_status import describe_exit_status
from ._process import kill_marked
from ._reaping import forget, watch
from ._template import substitute
from .schema import EnvironmentSpec

__all__ = [
    "Environment",
    "EnvironmentUnavailable",
    "LocalEnvironment",
    "NetnsEnvironment",
    "create_environment",
]

_CLONE_NEWNET = 0x40000000
#: The environment variable carrying a test's token (see ``LocalEnvironment.sweep``).
TOKEN_VARIABLE = "PANTHER_EVENTS_TEST_TOKEN"


class EnvironmentUnavailable(RuntimeError):
    """The environment cannot be set up on this machine; the message says what to change."""


class LocalEnvironment:
    """A fresh temporary working directory and environment variables for one test.

    Attributes:
        type: ``local``.
        name: the test's name.
        workdir: the working directory (exists between :meth:`setup` and :meth:`teardown`).
        env: the environment variables every service and command of the test gets.
    """

    type = "local"
    has_network = False

    def __init__(self, name: str, spec: EnvironmentSpec, *, keep_workdir: bool = False) -> None:
        self.name = name
        self.spec = spec
        self.keep_workdir = keep_workdir
        self.workdir = Path()
        self.env: dict[str, str] = {}
        #: Inherited by every process of the test; :meth:`sweep` finds them by it.
        self.token = uuid.uuid4().hex
        self._ports: set[int] = set()  # handed out by free_port

    def setup(self, variables: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Create the working directory and environment; return details for the events.

        Args:
            variables: the ``${...}`` values of the test, substituted into ``env`` with
                ``workdir`` (known once the directory exists).

        Raises:
            TemplateError: ``env`` uses a variable that is not known.
            OSError: the working directory cannot be created.
        """
        self.workdir = Path(tempfile.mkdtemp(prefix=f"panther-{self.name}-"))
        base = dict(os.environ) if self.spec.inherit_env else {"PATH": os.environ.get("PATH", "")}
        known = {**(variables or {}), "workdir": str(self.workdir)}
        self.env = {
            **base,
            **substitute(self.spec.env, known),
            "PANTHER_WORKDIR": str(self.workdir),
            TOKEN_VARIABLE: self.token,
        }
        watch("marked", self._mark)  # should the runner die, the reaper sweeps them too
        return {"workdir": str(self.workdir), "env": sorted(self.spec.env)}

    def teardown(self) -> dict[str, Any]:
        """Remove the working directory unless asked to keep it; return what was released."""
        if self.keep_workdir or not self.workdir.parts:
            return {"workdir_kept": str(self.workdir)}
        shutil.rmtree(self.workdir, ignore_errors=True)
        return {"workdir_removed": str(self.workdir)}

    @property
    def network_up(self) -> bool:
        """Whether a network of the test's own exists (and must be torn down)."""
        return False

    def sweep(self) -> list[int]:
        """Kill any process of this test still alive (by its inherited token); return pids."""
        killed = kill_marked(TOKEN_VARIABLE, self.token)
        forget("marked", self._mark)
        return killed

    @property
    def _mark(self) -> str:
        return f"{TOKEN_VARIABLE}={self.token}"

    def setup_network(self) -> dict[str, Any]:
        """Create the test's network; nothing to do for ``local``."""
        return {}

    def teardown_network(self) -> None:
        """Remove the test's network; nothing to do for ``local``."""

    def wrap_command(self, argv: list[str]) -> list[str]:
        """Return the argv that runs ``argv`` inside this environment."""
        return list(argv)

    def create_socket(
        self, family: int = socket.AF_INET, type: int = socket.SOCK_STREAM
    ) -> socket.socket:
        """Return a new socket in this environment's network."""
        return socket.socket(family, type)

    def create_connection(self, address: tuple[str, int], timeout: float) -> socket.socket:
        """Connect a TCP socket to ``address`` from inside this environment's network."""
        sock = self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
        except BaseException:
            sock.close()
            raise
        return sock

    def free_port(self) -> int:
        """Return a TCP port free on 127.0.0.1 in this environment's network right now, and
        never one it returned before: the services of a test get their ports before any of
        them binds one, and the kernel would hand the same free port out again.

        Raises:
            OSError: every free port of the range was already handed out (or none is free).
        """
        # A port tried is held bound until the end, so each try gives another one: after at
        # most as many tries as ports handed out, one is new if the range has one left.
        held: list[socket.socket] = []
        try:
            for _ in range(len(self._ports) + 1):
                sock = self.create_socket()
                held.append(sock)
                sock.bind(("127.0.0.1", 0))
                port: int = sock.getsockname()[1]
                if port not in self._ports:
                    self._ports.add(port)
                    return port
        except OSError as exc:
            cause = f": {exc}"
        else:
            cause = ""
        finally:
            for sock in held:
                sock.close()
        raise OSError(
            f"no free TCP port on 127.0.0.1 that this test was not given already "
            f"({len(self._ports)} given){cause}; use fixed ports or fewer 'port: auto'"
        )


class NetnsEnvironment(LocalEnvironment):
    """A local environment whose processes and sockets live in their own network namespace."""

    type = "netns"
    has_network = True

    def __init__(self, name: str, spec: EnvironmentSpec, *, keep_workdir: bool = False) -> None:
        super().__init__(name, spec, keep_workdir=keep_workdir)
        self.netns = f"panther-{uuid.uuid4().hex[:12]}"
        self._created = False

    @property
    def network_up(self) -> bool:
        """Whether the namespace exists (set up, even halfway, and not yet deleted)."""
        return self._created

    def setup_network(self) -> dict[str, Any]:
        """Create the namespace and bring its loopback up.

        Raises:
            EnvironmentUnavailable: not Linux, not root, no ``ip`` command, or ``ip`` failed.
        """
        if not sys.platform.startswith("linux"):
            raise EnvironmentUnavailable(
                f"environment type 'netns' needs Linux, this is {sys.platform!r}; use type: local"
            )
        if os.geteuid() != 0:
            raise EnvironmentUnavailable(
                "environment type 'netns' needs root (it runs `ip netns add`); "
                "run panther-events as root or use type: local"
            )
        if shutil.which("ip") is None:
            raise EnvironmentUnavailable(
                "environment type 'netns' needs the `ip` command (iproute2); "
                "install it or use type: local"
            )
        watch("netns", self.netns)  # should the runner die, the reaper deletes it
        self._ip("netns", "add", self.netns)
        self._created = True
        self._ip("-n", self.netns, "link", "set", "lo", "up")
        return {"namespace": self.netns, "interfaces": ["lo"]}

    def teardown_network(self) -> None:
        """Delete the namespace (its processes must be gone already)."""
        if self._created:
            self._created = False
            self._ip("netns", "delete", self.netns)
        forget("netns", self.netns)

    def wrap_command(self, argv: list[str]) -> list[str]:
        """Prefix ``argv`` with ``ip netns exec`` (which execs it: the pid stays the same)."""
        return ["ip", "netns", "exec", self.netns, *argv]

    def create_socket(
        self, family: int = socket.AF_INET, type: int = socket.SOCK_STREAM
    ) -> socket.socket:
        """Return a socket created inside the namespace.

        setns(2) moves only the calling thread, so a short-lived thread enters the namespace
        and creates the socket; a socket stays in the namespace it was created in.
        """
        box: list[socket.socket | BaseException] = []

        def make() -> None:
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                with open(f"/var/run/netns/{self.netns}", "rb") as handle:
                    if libc.setns(handle.fileno(), _CLONE_NEWNET) != 0:
                        err = ctypes.get_errno()
                        raise OSError(err, f"setns into {self.netns!r}: {os.strerror(err)}")
                box.append(socket.socket(family, type))
            except BaseException as exc:
                box.append(exc)

        worker = threading.Thread(target=make, name=f"netns-{self.netns}")
        worker.start()
        worker.join()
        result = box[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _ip(self, *args: str) -> None:
        try:
            subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=10)
        except subprocess.CalledProcessError as exc:
            raise EnvironmentUnavailable(
                f"`ip {' '.join(args)}` failed with {describe_exit_status(exc.returncode)}: "
                f"{exc.stderr.strip()}; netns needs root with CAP_NET_ADMIN, or use type: local"
            ) from exc
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EnvironmentUnavailable(f"`ip {' '.join(args)}` failed: {exc}") from exc


#: The environment types, by the name the experiment file uses.
Environment = LocalEnvironment


def create_environment(
    name: str, spec: EnvironmentSpec, *, keep_workdir: bool = False
) -> LocalEnvironment:
    """Return the environment of ``spec.type`` for the test ``name`` (not yet set up)."""
    cls = NetnsEnvironment if spec.type == "netns" else LocalEnvironment
    return cls(name, spec, keep_workdir=keep_workdir)
