"""Environments: a fresh working directory and variables (local), a network namespace (netns)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from panther_events.runner import PluginCatalog, Step, StepContext, StepOutput, StrictParams
from panther_events.runner.environments import EnvironmentUnavailable, NetnsEnvironment
from panther_events.runner.schema import EnvironmentSpec

from .helpers import EXAMPLES, alive_service_pids, check_lifecycles, types_of
from .inprocess import run_text

pytestmark = pytest.mark.slow

PY = sys.executable
ECHO = EXAMPLES / "echo_server.py"


def _netns_works() -> bool:
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("ip"):
        return False
    name = f"panther-probe-{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, check=False)
    if made.returncode != 0:
        return False
    subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)
    return True


class _HostProbeParams(StrictParams):
    service: str


class HostProbeStep(Step):
    """Connects to a service's port from the runner's own network, not the test's."""

    Params = _HostProbeParams

    def __init__(self, params: _HostProbeParams) -> None:
        super().__init__(params)
        self.params: _HostProbeParams = params

    def run(self, context: StepContext, timeout: float) -> StepOutput:
        port = context.service(self.params.service).port
        try:
            with socket.create_connection(("127.0.0.1", port or 0), timeout=timeout):
                return StepOutput(output="reachable")
        except OSError:
            return StepOutput(output="unreachable")


class TestLocal:
    """The local environment."""

    def test_workdir_and_variables(self, tmp_path: Path) -> None:
        """Commands run in a fresh working directory with the test's variables, removed after."""
        run = run_text(
            "name: x\ntests:\n  - name: t\n    environment: {env: {ANSWER: 42}}\n    steps:\n"
            f"      - {{kind: command, run: [{PY}, -c, "
            "'import os; print(os.getcwd(), os.environ[\"ANSWER\"])']}\n",
            tmp_path,
        )
        assert run.result.passed, run.result.to_dict()
        (done,) = run.of_type("step.execution_completed")
        workdir, answer = done.output.split()
        assert answer == "42" and Path(workdir).name.startswith("panther-t-")
        assert not Path(workdir).exists()
        (ready,) = run.of_type("environment.setup_completed")
        assert ready.resources_allocated["workdir"] == workdir

    def test_netns_without_root_fails_setup_clearly(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Not root: the test fails in its environment phase saying how to fix it."""
        monkeypatch.setattr(os, "geteuid", lambda: 1000)
        run = run_text(
            "name: x\ntests:\n  - name: t\n    environment: {type: netns}\n"
            "    steps:\n      - {kind: wait, seconds: 0}\n",
            tmp_path,
        )
        (test,) = run.result.tests
        assert test.phase == "environment"
        assert "needs root" in (test.reason or "") and "use type: local" in (test.reason or "")
        finals = check_lifecycles(run.events)
        assert set(finals["environment"].values()) == {"torn_down"}


def _port_range(namespace: str, ports: str) -> None:
    """Set the ports the kernel picks free ones from in ``namespace`` (``"FIRST LAST"``)."""
    subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            namespace,
            "sh",
            "-c",
            f"echo '{ports}' > /proc/sys/net/ipv4/ip_local_port_range",
        ],
        check=True,
    )


@pytest.mark.skipif(not _netns_works(), reason="needs root and a working `ip netns`")
class TestNetns:
    """The netns environment (root on Linux only)."""

    def test_services_are_isolated_in_their_namespace(self, tmp_path: Path) -> None:
        """Steps reach the service inside the namespace; the host cannot reach its port."""
        catalog = PluginCatalog.discover()
        catalog.register("step", "host_probe", HostProbeStep)
        run = run_text(
            "name: x\ntests:\n  - name: t\n    environment: {type: netns}\n    services:\n"
            f"      - {{name: echo, command: [{PY}, {ECHO}, --port, '${{port}}'], port: auto, "
            "ready: {tcp: true}, health: {interval: 0.05, tcp: true}}\n"
            "    steps:\n"
            '      - {name: inside, kind: tcp_send, service: echo, data: "hi\\n", expect: hi}\n'
            "      - {name: outside, kind: host_probe, service: echo}\n"
            "      - {name: ns-cmd, kind: command, run: [ip, -o, link]}\n"
            "    assertions:\n"
            "      - {kind: output_contains, step: outside, text: unreachable}\n"
            "      - {kind: output_contains, step: ns-cmd, text: 'lo:'}\n",
            tmp_path,
            catalog,
        )
        assert run.result.passed, run.result.to_dict()
        types = types_of(run.events)
        assert "environment.network.setup_completed" in types
        assert "environment.network.teardown_completed" in types
        check_lifecycles(run.events)
        assert alive_service_pids(run.events) == []
        (net,) = run.of_type("environment.network.setup_completed")
        namespace = net.allocated_resources["namespace"]
        listed = subprocess.run(["ip", "netns", "list"], check=True, capture_output=True, text=True)
        assert namespace not in listed.stdout

    def test_free_ports_of_one_test_are_never_the_same(self) -> None:
        """Ports picked before any service binds them are distinct (the kernel would hand out
        a free port again); once none is left, the error says so."""
        env = NetnsEnvironment("t", EnvironmentSpec(type="netns"))
        env.setup_network()
        try:
            # Four ports in the namespace's own range: the kernel's picks collide at once.
            _port_range(env.netns, "50000 50003")
            ports = [env.free_port() for _ in range(4)]
            assert sorted(ports) == [50000, 50001, 50002, 50003]
            with pytest.raises(OSError, match="no free TCP port"):
                env.free_port()
        finally:
            env.teardown_network()

    def test_no_free_port_left_fails_the_deployment_in_one_line(self, tmp_path: Path) -> None:
        """Two ``port: auto`` services and one free port: the test fails at deployment, saying
        so, and the run goes on."""

        def one_port(runner: object, event: Any) -> None:
            if event.get_type() == "environment.network.setup_completed":
                _port_range(event.allocated_resources["namespace"], "50000 50000")

        run = run_text(
            "name: x\ntests:\n  - name: t\n    environment: {type: netns}\n    services:\n"
            "      - {name: a, command: [sleep, '300'], port: auto}\n"
            "      - {name: b, command: [sleep, '300'], port: auto}\n",
            tmp_path,
            hook=one_port,
        )
        (test,) = run.result.tests
        assert test.phase == "deployment", test
        assert "service 'b': no free TCP port on 127.0.0.1" in (test.reason or ""), test.reason
        check_lifecycles(run.events)

    def test_namespace_is_deleted_when_setup_fails_halfway(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A namespace created before setup failed is still deleted at teardown."""
        real_ip = NetnsEnvironment._ip
        created: list[str] = []

        def flaky_ip(self: NetnsEnvironment, *args: str) -> None:
            if args[:1] == ("-n",):  # `ip -n NS link set lo up`, after `ip netns add NS`
                raise EnvironmentUnavailable("lo refused to come up")
            if args[:2] == ("netns", "add"):
                created.append(args[2])
            real_ip(self, *args)

        monkeypatch.setattr(NetnsEnvironment, "_ip", flaky_ip)
        run = run_text(
            "name: x\ntests:\n  - name: t\n    environment: {type: netns}\n",
            tmp_path,
        )
        (test,) = run.result.tests
        assert test.phase == "environment" and "lo refused" in (test.reason or "")
        types = types_of(run.events)
        assert "environment.network.setup_failed" in types
        assert "environment.network.teardown_completed" in types
        finals = check_lifecycles(run.events)
        assert set(finals["environment"].values()) == {"torn_down"}
        listed = subprocess.run(["ip", "netns", "list"], check=True, capture_output=True, text=True)
        assert created and created[0] not in listed.stdout
